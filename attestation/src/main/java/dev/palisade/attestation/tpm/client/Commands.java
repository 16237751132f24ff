package dev.palisade.attestation.tpm.client;

/**
 * The TPM_CC command codes this client sends (TPM 2.0 Library Part 2 section 6.5.2) and the handles and constants
 * their marshalling needs (sections 6 and 7), named as in the specification.
 */
final class Commands
{
    static final int NV_READ = 0x0000_014E;
    static final int PCR_RESET = 0x0000_013D;
    static final int CREATE_PRIMARY = 0x0000_0131;
    static final int STARTUP = 0x0000_0144;
    static final int ACTIVATE_CREDENTIAL = 0x0000_0147;
    static final int POLICY_SECRET = 0x0000_0151;
    static final int CREATE = 0x0000_0153;
    static final int LOAD = 0x0000_0157;
    static final int QUOTE = 0x0000_0158;
    static final int FLUSH_CONTEXT = 0x0000_0165;
    static final int NV_READ_PUBLIC = 0x0000_0169;
    static final int READ_PUBLIC = 0x0000_0173;
    static final int START_AUTH_SESSION = 0x0000_0176;
    static final int GET_CAPABILITY = 0x0000_017A;
    static final int GET_RANDOM = 0x0000_017B;
    static final int PCR_READ = 0x0000_017E;
    static final int PCR_EXTEND = 0x0000_0182;

    /** TPM_ST (section 6.9): a command or response without / with an authorization area. */
    static final int ST_NO_SESSIONS = 0x8001;
    static final int ST_SESSIONS = 0x8002;

    /** TPM_RS_PW (section 7.4): the password session, authorized by the authValue itself. */
    static final int RS_PW = 0x4000_0009;

    /** TPM_SE_POLICY (section 6.11). */
    static final int SE_POLICY = 0x01;
    /** TPMA_SESSION.continueSession (section 8.4): keep the session after this command. */
    static final int SESSION_CONTINUE = 0x01;

    /** TPM_CAP_TPM_PROPERTIES and TPM_PT_NV_BUFFER_MAX (= PT_FIXED + 44), sections 6.12 and 6.13. */
    static final int CAP_TPM_PROPERTIES = 0x0000_0006;
    static final int PT_NV_BUFFER_MAX = 0x0000_012C;

    private Commands()
    {
    }

    /** @return the command's name, such as {@code TPM2_Quote}, for messages. */
    static String name(final int commandCode)
    {
        return switch (commandCode)
        {
            case NV_READ -> "TPM2_NV_Read";
            case PCR_RESET -> "TPM2_PCR_Reset";
            case CREATE_PRIMARY -> "TPM2_CreatePrimary";
            case STARTUP -> "TPM2_Startup";
            case ACTIVATE_CREDENTIAL -> "TPM2_ActivateCredential";
            case POLICY_SECRET -> "TPM2_PolicySecret";
            case CREATE -> "TPM2_Create";
            case LOAD -> "TPM2_Load";
            case QUOTE -> "TPM2_Quote";
            case FLUSH_CONTEXT -> "TPM2_FlushContext";
            case NV_READ_PUBLIC -> "TPM2_NV_ReadPublic";
            case READ_PUBLIC -> "TPM2_ReadPublic";
            case START_AUTH_SESSION -> "TPM2_StartAuthSession";
            case GET_CAPABILITY -> "TPM2_GetCapability";
            case GET_RANDOM -> "TPM2_GetRandom";
            case PCR_READ -> "TPM2_PCR_Read";
            case PCR_EXTEND -> "TPM2_PCR_Extend";
            default -> String.format("TPM_CC 0x%08x", commandCode);
        };
    }
}
