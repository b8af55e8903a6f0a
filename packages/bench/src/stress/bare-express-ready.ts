/** What bare-express-server.ts prints on stdout once every one of its processes listens. */
export const EVERY_WORKER_LISTENING = 'every worker listening';
