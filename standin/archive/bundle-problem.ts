/** Why a bundle was refused, with the Connect error code an upload answers with (134, 135 or 38). */
export class BundleProblem extends Error {
  constructor(
    readonly code: 134 | 135 | 38,
    message: string,
  ) {
    super(message);
  }
}

export const unsafe = (message: string) =>
  new BundleProblem(135, `The bundle cannot be extracted: ${message}.`);
