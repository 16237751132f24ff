/**
 * HTTP/1.x parsing for inspection: {@link dev.palisade.dpi.http.HttpParser} turns the two reassembled streams of a
 * TCP connection into {@link dev.palisade.dpi.http.HttpTransaction}s holding the buffers Suricata's HTTP keywords
 * inspect (normalised URI, headers, cookies, host, de-chunked and decompressed bodies), bounded by
 * {@link dev.palisade.dpi.http.HttpLimits} and counting {@link dev.palisade.dpi.http.HttpAnomaly}s instead of throwing.
 * Owns: message framing, URI and header normalisation, body decoding. Must not touch: TCP reassembly, rule matching,
 * flow tables, I/O, clocks.
 */
package dev.palisade.dpi.http;
