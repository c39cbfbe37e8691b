/** What benchmarks and embedders use of the agent: its tunnel and the API it serves through it. */
export { keepTunnel, type TunnelOptions } from './tunnel.js';
export { machineApiHandler, type MachineState } from './machine-api.js';
