export {
  CONSOLE_ADDRESS,
  type ConsoleChannel,
  type ConsoleChannelOptions,
  createConsoleChannel,
} from './console-channel.js';
