'use strict';
// sdk-core's log events (Rust `tracing`, targets `fabweave::…`) handed to a JavaScript function.
// The addon (src/logs.rs) filters them on a cached level, so disabled events cost nothing, and
// queues them without ever waiting; this file checks arguments, turns the record's time into
// a Date, keeps a throwing handler from reaching Node's uncaught-exception path, and sets up
// the FABWEAVE_LOG convenience.

const { typeError } = require('./errors.js');

/** The levels, least verbose first; a record is forwarded at its level and above. */
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'];

let native;
/** The wrapper now installed in the addon, or null: older wrappers ignore late records. */
let active = null;

/** Called once by index.js with the addon: installs the subscriber, then FABWEAVE_LOG's handler. */
function init(addon) {
  native = addon;
  native.installLogs();
  const env = process.env.FABWEAVE_LOG;
  if (env !== undefined && env !== '') {
    const level = String(env).trim().toLowerCase();
    if (LEVELS.includes(level)) {
      setLogHandler(toConsole, { level });
    } else {
      process.emitWarning(
        `FABWEAVE_LOG=${env} is not a level (use ${LEVELS.join(', ')}): fabweave logs nothing`,
        'FabweaveWarning',
      );
    }
  }
}

/** FABWEAVE_LOG's handler: one line per record on standard error. */
function toConsole(record) {
  const fields = Object.entries(record.fields)
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('');
  console.error(
    `${record.time.toISOString()} ${record.level.toUpperCase().padEnd(5)} ${record.target}: ${record.message}${fields}`,
  );
}

/**
 * Sends sdk-core's log records of `options.level` ('error', 'warn', 'info' — the default —,
 * 'debug' or 'trace') and more severe to `handler`, called on the main thread as
 * `handler({ level, target, message, fields, time })`; `setLogHandler(null)` sends none. One
 * handler at a time: a new one replaces the previous one (and FABWEAVE_LOG's). What the
 * handler throws is reported once as a process warning and otherwise ignored.
 */
function setLogHandler(handler, options) {
  if (handler !== null && typeof handler !== 'function') {
    throw typeError(`the log handler must be a function or null, not ${describe(handler)}`);
  }
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw typeError(`setLogHandler options must be an object, not ${describe(options)}`);
  }
  for (const key of Object.keys(options ?? {})) {
    if (key !== 'level') {
      throw typeError(`unknown setLogHandler option '${key}': use level`, 'ERR_INVALID_ARG_VALUE');
    }
  }
  const level = options?.level ?? 'info';
  const rank = LEVELS.indexOf(level) + 1;
  if (rank === 0) {
    throw typeError(
      `level must be one of ${LEVELS.map((l) => `'${l}'`).join(', ')}, not ${typeof level === 'string' ? `'${level}'` : describe(level)}`,
      typeof level === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE',
    );
  }
  if (handler === null) {
    active = null;
    native.setLogHandler(null, rank);
    return;
  }
  let reported = false;
  const wrapper = (raw) => {
    // Records queued before the handler was replaced or removed are not delivered.
    if (active !== wrapper) return;
    const record = {
      level: raw.level,
      target: raw.target,
      message: raw.message,
      fields: raw.fields ?? {},
      time: new Date(raw.time),
    };
    try {
      handler(record);
    } catch (e) {
      if (!reported) {
        reported = true;
        process.emitWarning(
          `the fabweave log handler threw (${e instanceof Error ? e.message : String(e)}); ` +
            'later errors of this handler are ignored silently',
          'FabweaveWarning',
        );
      }
    }
  };
  active = wrapper;
  native.setLogHandler(wrapper, rank);
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}

module.exports = { init, setLogHandler };
