/**
 * Synthetic traffic: {@link dev.palisade.enforcement.traffic.TrafficGenerator} writes a deterministic capture of
 * realistic Ethernet traffic (TCP with HTTP/1.1 and TLS, DNS, other UDP; IPv4 and IPv6) with exact packet and flow
 * counts, for replay tests and benchmarks of the data plane.
 * <p>
 * Owns: the flow mix, the protocol payloads it emits and the timing model. Must not touch: the parser, flow state or
 * capture formats (it writes through {@link dev.palisade.enforcement.capture.CaptureWriter}), and never the wall clock:
 * timestamps come from the {@link dev.palisade.enforcement.traffic.TrafficSpec}.
 */
package dev.palisade.enforcement.traffic;
