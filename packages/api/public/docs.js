// Swagger UI on this server's own OpenAPI document. The validator badge would send the
// document to a third-party service: it stays off.
globalThis.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
});
