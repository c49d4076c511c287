const MiB = 1024 * 1024;

/** Caps that keep one upload from filling the disk or memory of the machine under test. */
export interface BundleLimits {
  /** Size of the tar.gz itself. */
  archiveBytes: number;
  /** Size of any single file once extracted. */
  fileBytes: number;
  /** Size of all files once extracted (also stops gzip bombs while decompressing). */
  totalBytes: number;
  /** Number of entries of any kind. */
  entries: number;
}

export const defaultBundleLimits: BundleLimits = {
  archiveBytes: 100 * MiB,
  fileBytes: 50 * MiB,
  totalBytes: 250 * MiB,
  entries: 10_000,
};

export const manifestMaxBytes = 1 * MiB;
