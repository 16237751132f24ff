package dev.palisade.attestation.tpm.client;

import java.io.IOException;

/**
 * A TPM refused a command: its response code (TPM 2.0 Library Part 2 section 6.6, TPM_RC) decoded into the name the
 * specification gives it, with the handle, session or parameter it blames. It is an {@link IOException} because, to
 * the caller, the TPM is a device that failed to do what was asked; the code tells whether the input was wrong
 * ({@code TPM_RC_INTEGRITY} for a credential blob that was tampered with) or the TPM is busy or full
 * ({@code TPM_RC_OBJECT_MEMORY}).
 * <pre>
 *   format 0 (bit 7 clear)  | S(11) warning | T(10) vendor | V(8) TPM 2.0 | E(6..0) error |
 *   format 1 (bit 7 set)    | N(11..8) number | F(7)=1 | P(6) parameter | E(5..0) error |
 *                           N is a parameter number when P is set, else a session (N = 8 + s) or a handle number.
 * </pre>
 */
public final class TpmException extends IOException
{
    private static final int RC_VER1 = 0x100;
    private static final int RC_FMT1 = 0x080;
    private static final int RC_WARN = 0x900;

    private final int commandCode;
    private final int responseCode;

    public TpmException(final int commandCode, final int responseCode)
    {
        super(Commands.name(commandCode) + " failed: " + describe(responseCode));
        this.commandCode = commandCode;
        this.responseCode = responseCode;
    }

    /** The TPM_CC of the command that failed. */
    public int commandCode()
    {
        return commandCode;
    }

    /** The full TPM_RC as the TPM returned it. */
    public int responseCode()
    {
        return responseCode;
    }

    /** The error without its handle/session/parameter number (for format 1 codes, {@code 0x080 + E}). */
    public int baseCode()
    {
        return baseCode(responseCode);
    }

    /** The specification's name, such as {@code TPM_RC_INTEGRITY}. */
    public String name()
    {
        return name(responseCode);
    }

    /** The 1-based parameter number the code blames, or 0. */
    public int parameterNumber()
    {
        return isFormat1(responseCode) && (responseCode & 0x40) != 0 ? (responseCode >>> 8) & 0xF : 0;
    }

    /** The 1-based handle number the code blames, or 0. */
    public int handleNumber()
    {
        return isFormat1(responseCode) && (responseCode & 0x40) == 0 && (responseCode & 0x800) == 0
            ? (responseCode >>> 8) & 0x7 : 0;
    }

    /** The 1-based authorization session number the code blames, or 0. */
    public int sessionNumber()
    {
        return isFormat1(responseCode) && (responseCode & 0x40) == 0 && (responseCode & 0x800) != 0
            ? (responseCode >>> 8) & 0x7 : 0;
    }

    private static boolean isFormat1(final int rc)
    {
        return (rc & 0xFFFF_F000) == 0 && (rc & RC_FMT1) != 0;
    }

    static int baseCode(final int rc)
    {
        return isFormat1(rc) ? RC_FMT1 | (rc & 0x3F) : rc;
    }

    /**
     * @return e.g. {@code "TPM_RC_OBJECT_MEMORY (0x902)"}, or {@code "TPM_RC_INTEGRITY (0x9f) in parameter 1
     * (response code 0x1df)"} for a format-1 code that names what it blames.
     */
    public static String describe(final int rc)
    {
        final int base = baseCode(rc);
        final StringBuilder text = new StringBuilder(name(rc)).append(String.format(" (0x%x)", base));
        if (isFormat1(rc) && (rc & 0xF00) != 0)
        {
            final int n = (rc >>> 8) & 0xF;
            if ((rc & 0x40) != 0)
            {
                text.append(" in parameter ").append(n);
            }
            else if ((rc & 0x800) != 0)
            {
                text.append(" in session ").append(n & 0x7);
            }
            else
            {
                text.append(" in handle ").append(n);
            }
            text.append(String.format(" (response code 0x%x)", rc));
        }
        return text.toString();
    }

    /** @return the name of response code {@code rc}, or a description of its class when the name is unknown. */
    public static String name(final int rc)
    {
        if (rc == 0)
        {
            return "TPM_RC_SUCCESS";
        }
        if ((rc & 0xFFFF_F000) != 0)
        {
            // TSS layers put their id in bits 16-23; a TPM never sets bits above 11.
            return String.format("not a TPM response code (layer 0x%02x)", rc >>> 16);
        }
        if (isFormat1(rc))
        {
            return format1(rc & 0x3F);
        }
        if ((rc & RC_VER1) == 0)
        {
            return "TPM 1.2 response code";
        }
        if ((rc & 0x400) != 0)
        {
            return "TPM vendor-defined response code";
        }
        return (rc & 0x800) != 0 ? warning(rc & 0x7F) : format0(rc & 0x7F);
    }

    /** Part 2 section 6.6.3, the codes after RC_FMT1. */
    private static String format1(final int e)
    {
        return switch (e)
        {
            case 0x01 -> "TPM_RC_ASYMMETRIC";
            case 0x02 -> "TPM_RC_ATTRIBUTES";
            case 0x03 -> "TPM_RC_HASH";
            case 0x04 -> "TPM_RC_VALUE";
            case 0x05 -> "TPM_RC_HIERARCHY";
            case 0x07 -> "TPM_RC_KEY_SIZE";
            case 0x08 -> "TPM_RC_MGF";
            case 0x09 -> "TPM_RC_MODE";
            case 0x0A -> "TPM_RC_TYPE";
            case 0x0B -> "TPM_RC_HANDLE";
            case 0x0C -> "TPM_RC_KDF";
            case 0x0D -> "TPM_RC_RANGE";
            case 0x0E -> "TPM_RC_AUTH_FAIL";
            case 0x0F -> "TPM_RC_NONCE";
            case 0x10 -> "TPM_RC_PP";
            case 0x12 -> "TPM_RC_SCHEME";
            case 0x15 -> "TPM_RC_SIZE";
            case 0x16 -> "TPM_RC_SYMMETRIC";
            case 0x17 -> "TPM_RC_TAG";
            case 0x18 -> "TPM_RC_SELECTOR";
            case 0x1A -> "TPM_RC_INSUFFICIENT";
            case 0x1B -> "TPM_RC_SIGNATURE";
            case 0x1C -> "TPM_RC_KEY";
            case 0x1D -> "TPM_RC_POLICY_FAIL";
            case 0x1F -> "TPM_RC_INTEGRITY";
            case 0x20 -> "TPM_RC_TICKET";
            case 0x21 -> "TPM_RC_RESERVED_BITS";
            case 0x22 -> "TPM_RC_BAD_AUTH";
            case 0x23 -> "TPM_RC_EXPIRED";
            case 0x24 -> "TPM_RC_POLICY_CC";
            case 0x25 -> "TPM_RC_BINDING";
            case 0x26 -> "TPM_RC_CURVE";
            case 0x27 -> "TPM_RC_ECC_POINT";
            case 0x28 -> "TPM_RC_FW_LIMITED";
            case 0x29 -> "TPM_RC_SVN_LIMITED";
            default -> String.format("TPM_RC_FMT1 error 0x%02x", e);
        };
    }

    /** Part 2 section 6.6.3, the codes after RC_VER1. */
    private static String format0(final int e)
    {
        return switch (e)
        {
            case 0x00 -> "TPM_RC_INITIALIZE";
            case 0x01 -> "TPM_RC_FAILURE";
            case 0x03 -> "TPM_RC_SEQUENCE";
            case 0x0B -> "TPM_RC_PRIVATE";
            case 0x19 -> "TPM_RC_HMAC";
            case 0x20 -> "TPM_RC_DISABLED";
            case 0x21 -> "TPM_RC_EXCLUSIVE";
            case 0x24 -> "TPM_RC_AUTH_TYPE";
            case 0x25 -> "TPM_RC_AUTH_MISSING";
            case 0x26 -> "TPM_RC_POLICY";
            case 0x27 -> "TPM_RC_PCR";
            case 0x28 -> "TPM_RC_PCR_CHANGED";
            case 0x2D -> "TPM_RC_UPGRADE";
            case 0x2E -> "TPM_RC_TOO_MANY_CONTEXTS";
            case 0x2F -> "TPM_RC_AUTH_UNAVAILABLE";
            case 0x30 -> "TPM_RC_REBOOT";
            case 0x31 -> "TPM_RC_UNBALANCED";
            case 0x42 -> "TPM_RC_COMMAND_SIZE";
            case 0x43 -> "TPM_RC_COMMAND_CODE";
            case 0x44 -> "TPM_RC_AUTHSIZE";
            case 0x45 -> "TPM_RC_AUTH_CONTEXT";
            case 0x46 -> "TPM_RC_NV_RANGE";
            case 0x47 -> "TPM_RC_NV_SIZE";
            case 0x48 -> "TPM_RC_NV_LOCKED";
            case 0x49 -> "TPM_RC_NV_AUTHORIZATION";
            case 0x4A -> "TPM_RC_NV_UNINITIALIZED";
            case 0x4B -> "TPM_RC_NV_SPACE";
            case 0x4C -> "TPM_RC_NV_DEFINED";
            case 0x50 -> "TPM_RC_BAD_CONTEXT";
            case 0x51 -> "TPM_RC_CPHASH";
            case 0x52 -> "TPM_RC_PARENT";
            case 0x53 -> "TPM_RC_NEEDS_TEST";
            case 0x54 -> "TPM_RC_NO_RESULT";
            case 0x55 -> "TPM_RC_SENSITIVE";
            default -> String.format("TPM_RC_VER1 error 0x%02x", e);
        };
    }

    /** Part 2 section 6.6.3, the codes after RC_WARN: the command may succeed if retried or resources are freed. */
    private static String warning(final int e)
    {
        if (e >= 0x10 && e <= 0x16)
        {
            return "TPM_RC_REFERENCE_H" + (e - 0x10);
        }
        if (e >= 0x18 && e <= 0x1E)
        {
            return "TPM_RC_REFERENCE_S" + (e - 0x18);
        }
        return switch (e)
        {
            case 0x01 -> "TPM_RC_CONTEXT_GAP";
            case 0x02 -> "TPM_RC_OBJECT_MEMORY";
            case 0x03 -> "TPM_RC_SESSION_MEMORY";
            case 0x04 -> "TPM_RC_MEMORY";
            case 0x05 -> "TPM_RC_SESSION_HANDLES";
            case 0x06 -> "TPM_RC_OBJECT_HANDLES";
            case 0x07 -> "TPM_RC_LOCALITY";
            case 0x08 -> "TPM_RC_YIELDED";
            case 0x09 -> "TPM_RC_CANCELED";
            case 0x0A -> "TPM_RC_TESTING";
            case 0x20 -> "TPM_RC_NV_RATE";
            case 0x21 -> "TPM_RC_LOCKOUT";
            case 0x22 -> "TPM_RC_RETRY";
            case 0x23 -> "TPM_RC_NV_UNAVAILABLE";
            case 0x7F -> "TPM_RC_NOT_USED";
            default -> String.format("TPM_RC_WARN 0x%02x", e);
        };
    }

    /** Whether this is a warning (format 0 with S set): the TPM was busy or out of a resource, not given bad input. */
    public boolean isWarning()
    {
        return !isFormat1(responseCode) && (responseCode & RC_WARN) == RC_WARN;
    }
}
