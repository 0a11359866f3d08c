/**
 * Response headers for a JSON-only public API: nothing may be sniffed, framed, scripted or leak a referrer
 * (OWASP Secure Headers). `Cross-Origin-Resource-Policy: cross-origin` keeps the documents loadable by browser
 * clients on other origins, which is what they are for.
 */
/** Headers set on every public response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'cross-origin',
});
