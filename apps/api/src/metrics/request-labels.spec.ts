import { requestLabels, UNMATCHED_ROUTE } from './request-labels';
import { carriesToken } from './metrics.controller';

describe('requestLabels', () => {
  it('labels an answer with the route template Fastify matched, never the raw URL', () => {
    expect(requestLabels('GET', '/api/v1/tickets/:id', 404)).toEqual({ method: 'GET', route: '/api/v1/tickets/:id', status: '404' });
    expect(requestLabels('post', '/api/v1/tickets', 201)).toEqual({ method: 'POST', route: '/api/v1/tickets', status: '201' });
  });

  it('gives every answer no route served one route label', () => {
    expect(requestLabels('GET', undefined, 404).route).toBe(UNMATCHED_ROUTE);
    expect(requestLabels('GET', '', 400).route).toBe(UNMATCHED_ROUTE);
  });

  it('folds methods outside the usual set into OTHER, so that the method label stays bounded', () => {
    expect(requestLabels('PROPFIND', undefined, 404).method).toBe('OTHER');
    expect(requestLabels('head', '/health/live', 200).method).toBe('HEAD');
  });
});

describe('carriesToken', () => {
  const token = 'a'.repeat(40);

  it('accepts the token as a bearer credential, whatever the scheme’s case', () => {
    expect(carriesToken(`Bearer ${token}`, token)).toBe(true);
    expect(carriesToken(`bearer ${token}`, token)).toBe(true);
  });

  it.each([undefined, '', token, `Basic ${token}`, `Bearer ${token}x`, `Bearer ${'a'.repeat(39)}`, `Bearer ${token} extra`])('refuses %p', (header) => {
    expect(carriesToken(header, token)).toBe(false);
  });
});
