/**
 * viam.app.packages.v1.PackageService: what viam-server calls to download the modules and packages its
 * config names (GetPackage, for a download link), and what the seed-era CLI's `board` command uploads
 * board definitions with (CreatePackage). Packages are registry items; a package id is
 * `<namespace or organization id>/<name>`.
 */
import { Timestamp } from '@bufbuild/protobuf';
import { invalid, parseModulePlatform, parseRegistryName } from '@hangar/domain';
import { FileInfo, Package, PackageInfo, PackageType, type CreatePackageRequest, type PackageService } from '@hangar/wire';
import { gunzipSync } from 'node:zlib';
import type { Call, ServiceHandlers } from '../rpc/routes.js';
import type { DownloadLinks } from './download-links.js';
import { ITEM_TYPE, packageIdOf, type Item, type ItemFile, type RegistryService } from './registry.service.js';

/** Board definitions are small JSON files: the seed-era CLI refuses more than 32 KiB; allow some room. */
const MAX_BOARD_ARCHIVE_BYTES = 1024 * 1024;

const PACKAGE_TYPE_OF: Record<number, PackageType> = Object.fromEntries(
  Object.values(PackageType)
    .filter((v): v is PackageType => typeof v === 'number')
    .map((v) => [v, v]),
);

export function packageToProto(item: Item, file: ItemFile, url: string): Package {
  return new Package({
    id: packageIdOf(item),
    info: new PackageInfo({
      organizationId: item.organizationId,
      name: item.name,
      version: file.version,
      type: PACKAGE_TYPE_OF[item.type] ?? PackageType.UNSPECIFIED,
      ...(file.platform !== '' && { platform: file.platform }),
      files: [new FileInfo({ name: file.fileName, size: BigInt(file.sizeBytes) })],
    }),
    url,
    createdOn: Timestamp.fromDate(new Date(file.createdAt)),
    checksum: file.sha256,
  });
}

async function* contents(rest: AsyncIterable<CreatePackageRequest>): AsyncIterable<Uint8Array> {
  for await (const msg of rest) {
    if (msg.package.case === 'contents') yield msg.package.value;
    else if (msg.package.case === 'info') throw invalid('info may be sent only once, as the first message');
  }
}

/** The one file of a board definitions archive (a tar.gz, as the CLI packs it), which must be JSON. */
function checkBoardDefinitions(archive: Buffer): void {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: 4 * MAX_BOARD_ARCHIVE_BYTES });
  } catch {
    throw invalid('a board definitions package must be a .tar.gz holding the definitions JSON file');
  }
  // A tar entry: a 512-byte header (name at 0, octal size at 124, type at 156), then the data in 512-byte blocks.
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (type === '0' || type === '\0') {
      const text = tar.subarray(at + 512, at + 512 + size).toString('utf8');
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      } catch (err) {
        throw invalid(
          `the board definitions file is not a JSON object (${err instanceof Error ? err.message : String(err)}): fix the file and upload it again`,
        );
      }
      return;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw invalid('the board definitions archive holds no file: upload the definitions JSON file');
}

async function collect(source: AsyncIterable<Uint8Array>, max: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > max) throw invalid(`a board definitions package must be at most ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export const packagesRpc = (
  registry: RegistryService,
  links: DownloadLinks,
  baseUrl: (call: Call) => string,
): ServiceHandlers<typeof PackageService> => ({
  async createPackage(first, rest, call) {
    if (first.package.case !== 'info') throw invalid('the first message must be info: the package organization, name, version and type');
    const info = first.package.value;
    parseRegistryName('info.name', info.name);
    // Stored, and compared, as the wire's numbers.
    const type: number = info.type === PackageType.UNSPECIFIED ? ITEM_TYPE.archive : info.type;
    const platform = info.platform === undefined || info.platform === '' ? '' : parseModulePlatform('info.platform', info.platform);
    if (type === ITEM_TYPE.module) throw invalid('modules are uploaded with UploadModuleFile (hangar module upload), not CreatePackage');
    let item: Item;
    try {
      item = await registry.find(`${info.organizationId}:${info.name}`, 'info.name');
    } catch {
      item = await registry.create(info.organizationId, info.name, type);
    }
    if (item.type !== type) throw invalid(`${packageIdOf(item)} is a package of another type (${item.type}); use another name`);
    const target = { itemId: `${item.organizationId}:${item.name}`, version: info.version, platform };
    await registry.checkUpload(target);
    let source = contents(rest);
    if (type === ITEM_TYPE.boardDefs) {
      const archive = await collect(source, MAX_BOARD_ARCHIVE_BYTES);
      checkBoardDefinitions(archive);
      source = (async function* () {
        await Promise.resolve();
        yield archive;
      })();
    }
    const file = await registry.upload(call.actor, target, source, call.signal);
    return { id: packageIdOf(item), version: file.version };
  },
  async getPackage(req, call) {
    const { item, file } = await registry.packageFile(req.id, req.version, req.platform);
    const wanted: number | undefined = req.type;
    if (wanted !== undefined && wanted !== 0 && wanted !== item.type) {
      throw invalid(
        `package ${req.id} is of type ${PackageType[item.type] ?? String(item.type)}, not ${PackageType[wanted] ?? String(wanted)}`,
      );
    }
    const url = req.includeUrl === true ? links.url(baseUrl(call), file.id, file.fileName) : '';
    return { package: packageToProto(item, file, url) };
  },
  async listPackages(req, call) {
    const items = await registry.list(call.actor, {
      organizationId: req.organizationId,
      types: req.type === undefined || req.type === PackageType.UNSPECIFIED ? [] : [req.type],
      visibilities: [],
      platforms: [],
      statuses: [],
      publicNamespaces: [],
    });
    return {
      packages: items
        .filter(({ item }) => req.name === undefined || req.name === '' || item.name === req.name)
        .flatMap(({ item, files }) =>
          files
            .filter((f) => req.version === undefined || req.version === '' || f.version === req.version)
            .map((f) => packageToProto(item, f, req.includeUrl === true ? links.url(baseUrl(call), f.id, f.fileName) : '')),
        ),
    };
  },
  async deletePackage(req) {
    await registry.deleteFile(req.id, req.version);
    return {};
  },
});
