/**
 * The DPU agent ({@code palisade agent}): the process on the DPU's Arm cores that keeps the data plane enforcing
 * what the policy service released, and answers the incident responder.
 * <ul>
 * <li>{@link dev.palisade.enforcement.agent.BundleStore}: the active release on disk, written atomically and verified
 *     again at every load (a file is never trusted because it is ours);</li>
 * <li>{@link dev.palisade.enforcement.agent.Enforcer}: a verified release made into the firewall's program and the
 *     DPI engine's rules, all or nothing, and the fail-closed program while there is none;</li>
 * <li>{@link dev.palisade.enforcement.agent.ManagementServer}: the management API on the management address only,
 *     mutual TLS, roles from the client certificate; quarantine through
 *     {@link dev.palisade.enforcement.agent.QuarantineControl}.</li>
 * </ul>
 * Sub-packages hold the agent's other parts (the policy channel, attestation).
 * <p>
 * Owns: the agent's control plane: its files, its servers, the swap of releases into the data plane. Must not touch:
 * the per-packet path (it hands the data plane immutable programs and rule sets through the
 * {@link dev.palisade.enforcement.firewall.Firewall} and {@link dev.palisade.dpi.engine.DpiEngine} swaps), and
 * trust nothing the host could have written: bundles are checked against the pinned root on every load.
 */
package dev.palisade.enforcement.agent;
