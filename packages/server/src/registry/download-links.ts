/**
 * Download links for registry files: signed and expiring, like the cloud storage URLs viam-server is
 * handed by Viam's GetPackage, so a machine (or anyone it passes the link to) fetches the file with a
 * plain GET. A link names one file and stops working when it expires.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

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
  const sign = (fileId: string, expires: string) => createHmac('sha256', key).update(`${fileId}\n${expires}`).digest('base64url');
  return {
    url(baseUrl, fileId, fileName) {
      const expires = String(Math.floor(now().getTime() / 1000) + LINK_TTL_SECONDS);
      return `${baseUrl}${DOWNLOAD_PATH_PREFIX}${fileId}/${encodeURIComponent(fileName)}?expires=${expires}&signature=${sign(fileId, expires)}`;
    },
    verify(fileId, expires, signature) {
      if (expires === null || signature === null || !/^\d{1,12}$/.test(expires)) return false;
      if (Number(expires) * 1000 < now().getTime()) return false;
      const expected = Buffer.from(sign(fileId, expires));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
