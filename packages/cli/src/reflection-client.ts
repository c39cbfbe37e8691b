/**
 * Asks a machine, through the server, for a service's descriptors by gRPC server reflection (v1, then
 * v1alpha for older servers), so `robots part run` can call services the CLI has no descriptors for —
 * a viam-server's components and modules among them.
 */
import { createRegistryFromDescriptors, FileDescriptorProto, FileDescriptorSet, type ServiceType } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { reflectionV1, reflectionV1Alpha, withDependencies, type ServerReflectionRequest } from '@hangar/wire';
import { asyncQueue } from './async-queue.js';

type Api = typeof reflectionV1;

async function describeWith(api: Api, transport: Transport, serviceName: string): Promise<ServiceType | undefined> {
  const client = createClient(api.service, transport);
  const requests = asyncQueue<ServerReflectionRequest>();
  const ask = (messageRequest: ServerReflectionRequest['messageRequest']) =>
    requests.push(new api.ServerReflectionRequest({ messageRequest }));
  const files = new Map<string, FileDescriptorProto>();
  const asked = new Set<string>();
  ask({ case: 'fileContainingSymbol', value: serviceName });
  let outstanding = 1;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    for await (const reply of client.serverReflectionInfo(requests, { signal: abort.signal })) {
      outstanding--;
      const answer = reply.messageResponse;
      if (answer.case === 'errorResponse') {
        if (files.size === 0) return undefined;
      } else if (answer.case === 'fileDescriptorResponse') {
        for (const bytes of answer.value.fileDescriptorProto) {
          const file = FileDescriptorProto.fromBinary(bytes);
          files.set(file.name ?? '', file);
        }
      }
      // Dependencies a server left out of an answer (it sent them earlier, or sends files one at a time).
      for (const file of [...files.values()]) {
        for (const dep of file.dependency) {
          if (files.has(dep) || asked.has(dep)) continue;
          asked.add(dep);
          outstanding++;
          ask({ case: 'fileByFilename', value: dep });
        }
      }
      if (outstanding === 0) break;
    }
  } finally {
    clearTimeout(timer);
    requests.end();
  }
  const registry = createRegistryFromDescriptors(new FileDescriptorSet({ file: withDependencies(files, ...files.keys()) }));
  return registry.findService(serviceName);
}

/** The service as the machine describes it; undefined when it offers no reflection or does not know it. */
export async function describeRemoteService(transport: Transport, serviceName: string): Promise<ServiceType | undefined> {
  for (const api of [reflectionV1, reflectionV1Alpha]) {
    try {
      return await describeWith(api, transport, serviceName);
    } catch (err) {
      const code = ConnectError.from(err).code;
      // Not served: try the older package, then give up on reflection. Anything else is the caller's to report.
      if (code !== Code.Unimplemented && code !== Code.NotFound) throw err;
    }
  }
  return undefined;
}
