/**
 * Download links for registry files: signed and expiring, like the cloud storage URLs viam-server is
 * handed by Viam's GetPackage, so a machine (or anyone it passes the link to) fetches the file with a
 * plain GET. A link names one file and stops working when it expires.
 */
import { createUrlSigner } from '../crypto/url-signer.js';

export const DOWNLOAD_PATH_PREFIX = '/registry/v1/files/';
/** Long enough for a slow machine to fetch a large module, short enough that a leaked link soon dies. */
export const LINK_TTL_SECONDS = 6 * 3600;

export interface DownloadLinks {
  /** `<base>/registry/v1/files/<file id>/<file name>?expires=…&signature=…` */
  url(baseUrl: string, fileId: string, fileName: string): string;
  /** The file id of a valid, unexpired link's path and query, or undefined. */
  verify(fileId: string, expires: string | null, signature: string | null): boolean;
}

export function createDownloadLinks(key: Buffer, now: () => Date): DownloadLinks {
  const signer = createUrlSigner(key, now);
  return {
    url(baseUrl, fileId, fileName) {
      return `${baseUrl}${DOWNLOAD_PATH_PREFIX}${fileId}/${encodeURIComponent(fileName)}?${signer.query(fileId, LINK_TTL_SECONDS).query}`;
    },
    verify: (fileId, expires, signature) => signer.verify(fileId, expires, signature),
  };
}
