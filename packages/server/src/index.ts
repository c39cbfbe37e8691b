export { startApp, type AppOptions, type RunningApp } from './app.js';
export { loadConfig, ConfigError, type Config, type ConfigInput } from './config.js';
export { createLogger, type Logger } from './log.js';
export { createListener, type Listener } from './http/listener.js';
export { runServer } from './main.js';
export { METHODS, type AppMethodName, type MethodEntry, type MethodTable } from './rpc/methods.js';
export type { Check, Target } from './rpc/access.js';
export type { InitialAdmin } from './bootstrap.js';
