import type { Context } from 'koa';

/**
 * A synchronous request handler: it answers (or throws) before it returns. Everything on the public port is
 * answered from prebuilt representations, so the layers are plain calls inside one Koa middleware instead of a
 * chain of middleware promises. Typed to return `undefined`, not `void`, so an async function, whose rejections
 * a synchronous caller would not catch, is a type error here.
 */
export type SyncHandler = (ctx: Context) => undefined;
