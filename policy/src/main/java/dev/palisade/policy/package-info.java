/**
 * The policy language: parsing a policy document into the {@link dev.palisade.policy.model} records, with every error
 * located (file, line, column): {@link dev.palisade.policy.PolicyParser} is the entry point, and a rejected document is
 * a {@link dev.palisade.policy.PolicyException} listing every {@link dev.palisade.policy.PolicyProblem} found. The
 * compiler and signed bundles come next, here too. Pure Java; no I/O beyond reading the document, and no name
 * resolution ever (addresses are parsed from text). Used by the central service and by the DPU side.
 */
package dev.palisade.policy;
