import { describeViolations, takeViolations } from './openapi-proxy';

/**
 * Jest setup of the e2e project: a test during which the api gave an answer its OpenAPI document
 * does not describe fails, naming the route, the status and what does not match.
 */
afterEach(() => {
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(describeViolations(violations));
});
