// '@seatgrid/api/child': the API as a child process, for harnesses (the bench, the chaos runs,
// the API's own process tests); nothing the API itself runs on.
export { API_SERVER_SCRIPT, startApiChild, type ApiChildOptions } from './api-child.ts';
export { ChildServer, type ChildServerOptions } from './child-server.ts';
export { assertPortFree, sparePort } from './spare-port.ts';
export { waitFor } from './wait-for.ts';
