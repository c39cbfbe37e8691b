/** One describe block per engine, each with its own server on a fresh database for the whole file. */
import { after, before, describe } from 'node:test';
import { engineSkip, testEngines, type TestEngine } from './engines.js';
import { startTestServer, type TestServer } from './server.js';

export async function describeEngines(title: string, body: (server: () => TestServer, engine: TestEngine) => void): Promise<void> {
  for (const engine of testEngines()) {
    const skip = await engineSkip(engine);
    describe(`${title} [${engine}]`, { skip }, () => {
      let server: TestServer | undefined;
      before(async () => {
        server = await startTestServer(engine);
      });
      after(async () => {
        await server?.close();
      });
      body(() => {
        if (server === undefined) throw new Error('the test server did not start');
        return server;
      }, engine);
    });
  }
}
