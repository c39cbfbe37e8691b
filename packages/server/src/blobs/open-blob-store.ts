/**
 * Picks the blob store from `--blob-url`: none keeps blobs in the data directory; `s3://bucket/prefix`
 * puts them in an S3-compatible bucket, configured the way every AWS tool is, by AWS_* variables.
 */
import { join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { BlobStore } from './blob-store.js';
import { createFsBlobStore } from './fs-blob-store.js';

const USAGE = '--blob-url must be s3://bucket[/prefix]; leave it out to keep blobs in the data directory';

/** Bucket naming rules of S3 itself (3–63 characters), so a typo fails at startup, not at first upload. */
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

interface S3Location {
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
}

function parseS3Url(blobUrl: string): S3Location {
  const match = S3_URL.exec(blobUrl);
  if (match === null) throw new Error(USAGE);
  const [, bucket = '', rest = ''] = match;
  const path = rest.replace(/^\/+|\/+$/g, '');
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}

/** The first of `names` set to something: a variable set to '' counts as unset, as the AWS CLI counts it. */
const setting = (env: NodeJS.ProcessEnv, ...names: string[]): string | undefined =>
  names.map((name) => env[name]).find((value) => value !== undefined && value !== '');

/**
 * The SDK reads the standard variables from process.env on its own; reading them from `env` here as well
 * lets tests (and embedders) configure one store without touching the process's environment. What is not
 * set here (profiles, instance roles, SSO) is still found by the SDK's default chain.
 */
function s3ClientConfig(env: NodeJS.ProcessEnv): S3ClientConfig {
  const endpoint = setting(env, 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL');
  const accessKeyId = setting(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = setting(env, 'AWS_SECRET_ACCESS_KEY');
  const sessionToken = setting(env, 'AWS_SESSION_TOKEN');
  return {
    // MinIO and most self-hosted servers ignore the region but the signer needs one.
    region: setting(env, 'AWS_REGION', 'AWS_DEFAULT_REGION') ?? 'us-east-1',
    // Self-hosted servers seldom have a DNS name per bucket.
    forcePathStyle: /^(true|1)$/i.test(env.AWS_S3_FORCE_PATH_STYLE ?? ''),
    ...(endpoint !== undefined && { endpoint }),
    ...(accessKeyId !== undefined &&
      secretAccessKey !== undefined && {
        credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) },
      }),
  };
}

/** The AWS SDK takes a third of a second to load: only servers configured for S3 pay for it. */
export async function openBlobStore(
  blobUrl: string | undefined,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BlobStore> {
  if (blobUrl === undefined || blobUrl === '') return createFsBlobStore(join(dataDir, 'blobs'));
  const { bucket, prefix } = parseS3Url(blobUrl);
  const [{ S3Client }, { createS3BlobStore }] = await Promise.all([import('@aws-sdk/client-s3'), import('./s3-blob-store.js')]);
  return createS3BlobStore({ bucket, prefix, client: new S3Client(s3ClientConfig(env)) });
}

/** For the startup log: where blobs go, with no credentials (the URL carries none; the endpoint's are dropped). */
export function describeBlobStore(blobUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (blobUrl === undefined || blobUrl === '') return 'the data directory (blobs/)';
  let location: S3Location;
  try {
    location = parseS3Url(blobUrl);
  } catch {
    return 'an invalid --blob-url';
  }
  const { bucket, prefix } = location;
  const endpoint = setting(env, 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL');
  let at = '';
  if (endpoint !== undefined) {
    try {
      at = ` at ${new URL(endpoint).host}`;
    } catch {
      at = ' at a custom endpoint';
    }
  }
  return `S3 bucket ${bucket}${prefix === '' ? '' : `, prefix ${prefix}`}${at}`;
}
