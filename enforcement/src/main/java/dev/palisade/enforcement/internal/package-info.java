/**
 * Native bindings (JNA, direct mapping), internal to the enforcement module: nothing outside this package imports
 * {@code com.sun.jna}. A binding that cannot load says so once and the caller falls back.
 */
package dev.palisade.enforcement.internal;
