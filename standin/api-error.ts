import type { ServerResponse } from 'node:http';

/** An error answered in Connect's `{code, error, payload}` shape with Connect's status and code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly payload: unknown = null,
  ) {
    super(message);
  }
}

export const unknownEndpoint = (method: string, path: string) =>
  new ApiError(404, 2, `The requested endpoint ${method} ${path} does not exist.`);
export const unknownObject = (what: string, id: string) =>
  new ApiError(404, 4, `The requested object does not exist: no ${what} with id '${id}'.`);
/** Connect's code 25: a request parameter has a value it cannot use. */
export const badParameter = (detail: string) =>
  new ApiError(400, 25, `The requested parameter is invalid: ${detail}`);
export const missingKey = () =>
  new ApiError(401, 24, 'Authentication required: send an "Authorization: Key <API key>" header.');
export const badKey = () =>
  new ApiError(401, 30, "We couldn't log you in with the provided credentials. Check the API key.");
export const badJson = (detail: string) =>
  new ApiError(400, 121, `The request body is not valid JSON (${detail}). Send a JSON object.`);
export const badBody = (detail: string) =>
  new ApiError(400, 87, `The request body could not be used: ${detail}.`);
export const nothingDeployed = (guid: string) =>
  new ApiError(
    404,
    28,
    `Content ${guid} has nothing deployed yet. Upload a bundle and deploy it before requesting the content.`,
  );

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { code: err.code, error: err.message, payload: err.payload });
}
