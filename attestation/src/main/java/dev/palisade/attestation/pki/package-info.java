/**
 * X.509 for the control plane's mutual TLS: the agent CA that issues a DPU's client certificate at enrolment (bound to
 * its attested AK), management API certificates with roles, PEM in and out. Identities are subjectAltName URIs.
 * Uses Bouncy Castle's certificate builder and the JDK's key factories; knows nothing of TLS stacks.
 */
package dev.palisade.attestation.pki;
