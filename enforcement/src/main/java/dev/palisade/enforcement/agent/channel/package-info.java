/**
 * The DPU agent's control channel to the policy service: enrolment by TPM evidence (credential activation, a quote
 * binding the TLS key), the long-lived WebSocket over mutual TLS that carries attestation challenges and pushed
 * releases, and the ACK/NACK answers (docs/agent-protocol.md). It decides nothing about a bundle itself: the agent's
 * {@link dev.palisade.enforcement.agent.channel.PolicyClient.Target} verifies, applies and persists. Never touches the
 * packet path.
 */
package dev.palisade.enforcement.agent.channel;
