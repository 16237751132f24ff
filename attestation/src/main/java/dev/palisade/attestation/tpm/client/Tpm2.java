package dev.palisade.attestation.tpm.client;

import dev.palisade.attestation.tpm.PcrSelection;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmFormatException;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.TpmReader;
import dev.palisade.attestation.tpm.TpmWriter;
import dev.palisade.attestation.tpm.TpmtSignature;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A TPM 2.0 client for attestation: it marshals the commands of TPM 2.0 Library Part 3 itself (no TSS), sends them
 * through a {@link TpmTransport}, and decodes the responses strictly. It covers what enrolment and quoting need:
 * primary keys (EKs), attestation keys under an EK, PCRs, quotes, NV (EK certificates) and credential activation.
 * <p>
 * Authorization uses empty passwords (TPM_RS_PW) and, for EKs made from the TCG templates, a policy session satisfied
 * by TPM2_PolicySecret(TPM_RH_ENDORSEMENT), as {@code tpm2_createak} does. Policy sessions are started per command
 * without continueSession, so the TPM flushes them itself once it answers success; when the command fails (an error
 * code, a transport failure, or a response whose header does not frame it) they are flushed here, best effort.
 * Transient objects a method returns are the caller's to flush ({@link #flushContext}): without a resource manager a
 * TPM has few slots (swtpm: 3). An object the TPM created for a method that then fails (the response after success
 * is malformed, or its Name does not match) is flushed before the method throws, best effort: if the transport is
 * gone, so is the way to flush it.
 * <p>
 * One command at a time: methods are synchronized, since a policy session and the command it authorizes must not be
 * interleaved with another caller's.
 */
public final class Tpm2 implements AutoCloseable
{
    /** Permanent handles (Part 2 section 7.4). */
    public static final int RH_OWNER = 0x4000_0001;
    public static final int RH_NULL = 0x4000_0007;
    public static final int RH_ENDORSEMENT = 0x4000_000B;
    public static final int RH_PLATFORM = 0x4000_000C;

    /** EK certificate NV indices (TCG EK Credential Profile 2.x section 2.2.1, low and high ranges). */
    public static final int NV_EK_CERT_RSA_2048 = 0x01C0_0002;
    public static final int NV_EK_CERT_ECC_P256 = 0x01C0_000A;
    public static final int NV_EK_CERT_ECC_P384 = 0x01C0_0016;

    /** TPMA_NV bits that decide who may read an index (Part 2 section 13.4). */
    public static final int NV_PPREAD = 1 << 16;
    public static final int NV_OWNERREAD = 1 << 17;
    public static final int NV_AUTHREAD = 1 << 18;
    public static final int NV_WRITTEN = 1 << 29;

    /** Bounds on response fields: sizeof(TPMU_HA), TPM2B_NAME, and generous caps for blobs this code only passes on. */
    private static final int MAX_DIGEST = 64;
    private static final int MAX_NAME = 2 + MAX_DIGEST;
    private static final int MAX_BLOB = 2048;
    private static final int MAX_PCR = 31;
    /** A TPM returns at most 8 digests per TPM2_PCR_Read (TPML_DIGEST); more passes than PCRs means it is stuck. */
    private static final int MAX_PCR_READ_PASSES = 64;

    private static final byte[] EMPTY = new byte[0];
    /**
     * TPM_RC_RETRY, TPM_RC_YIELDED and TPM_RC_TESTING (Part 2 section 6.6.3) mean "send the same command again": the
     * TPM changed nothing (libtpms answers TPM_RC_RETRY to an RSA private-key operation while it completes the key's
     * precomputation). A TSS retries them; so does this client, a few times with a short pause.
     */
    private static final int MAX_ATTEMPTS = 10;
    private static final int RC_RETRY = 0x922;
    /** TPM2_Startup when the TPM is already started. */
    private static final int RC_INITIALIZE = 0x100;
    private static final int RC_YIELDED = 0x908;
    private static final int RC_TESTING = 0x90A;

    private final TpmTransport transport;
    private final SecureRandom random;

    public Tpm2(final TpmTransport transport)
    {
        this(transport, new SecureRandom());
    }

    public Tpm2(final TpmTransport transport, final SecureRandom random)
    {
        this.transport = transport;
        this.random = random;
    }

    /**
     * A loaded object.
     *
     * @param handle      its transient (0x80xxxxxx) or persistent (0x81xxxxxx) handle.
     * @param publicArea  its public area as the TPM returned it.
     * @param name        its Name, checked to equal {@code publicArea.name()}.
     * @param privateBlob the TPM2B_PRIVATE to {@link #load} it again after a flush; empty for primary keys, which
     *                    are re-derived from the hierarchy seed instead.
     */
    public record LoadedKey(int handle, TpmPublic publicArea, byte[] name, byte[] privateBlob)
    {
        @Override
        public byte[] name()
        {
            return name.clone();
        }

        @Override
        public byte[] privateBlob()
        {
            return privateBlob.clone();
        }
    }

    /** TPM2_ReadPublic's answer. */
    public record ObjectPublic(TpmPublic publicArea, byte[] name, byte[] qualifiedName)
    {
    }

    /**
     * A quote exactly as the TPM returned it.
     *
     * @param attest    the TPMS_ATTEST (the contents of TPM2B_ATTEST): what the TPM hashed and signed.
     * @param signature the marshalled TPMT_SIGNATURE.
     */
    public record Quote(byte[] attest, byte[] signature)
    {
    }

    /** TPMS_NV_PUBLIC (Part 2 section 13.5) and the index's Name. */
    public record NvPublic(int index, int nameAlg, int attributes, byte[] authPolicy, int dataSize, byte[] name)
    {
    }

    /** An authorization for one handle: its marshalled TPMS_AUTH_COMMAND, and the policy session it uses (or 0). */
    private record Auth(byte[] bytes, int session)
    {
    }

    /** TPM2_Create's outputs this client keeps: the TPM2B_PRIVATE (with its size) and the public area. */
    private record Created(byte[] privateBlob, TpmPublic publicArea)
    {
    }

    /** One TPM2_PCR_Read response: pcrUpdateCounter, pcrSelectionOut and the pcrValues digests. */
    private record PcrReadAnswer(long updateCounter, List<PcrSelection> selection, byte[][] digests)
    {
    }

    /** Decodes a response's handles and parameter area. */
    @FunctionalInterface
    private interface Decoder<T>
    {
        T decode(int[] handles, TpmReader parameters) throws TpmFormatException;
    }

    private static final Auth PASSWORD = new Auth(new TpmWriter().u32(Commands.RS_PW).sized(EMPTY)
        .u8(Commands.SESSION_CONTINUE).sized(EMPTY).toByteArray(), 0);

    /**
     * TPM2_Startup (Part 3 section 9.3).
     *
     * @return false when the TPM had already been started (TPM_RC_INITIALIZE), as swtpm with {@code startup-clear}
     * and every platform whose firmware ran first.
     */
    public synchronized boolean startup(final boolean clear) throws IOException
    {
        try
        {
            execute(Commands.STARTUP, new int[0], new Auth[0], new TpmWriter().u16(clear ? 0 : 1).toByteArray(), 0,
                (h, p) -> null);
            return true;
        }
        catch (final TpmException e)
        {
            if (e.responseCode() == RC_INITIALIZE)
            {
                return false;
            }
            throw e;
        }
    }

    /** TPM2_GetRandom (Part 3 section 16.1), repeated: a TPM returns at most one digest's worth per call. */
    public synchronized byte[] getRandom(final int count) throws IOException
    {
        final TpmWriter out = new TpmWriter();
        while (out.size() < count)
        {
            final int want = Math.min(count - out.size(), MAX_DIGEST);
            final byte[] chunk = execute(Commands.GET_RANDOM, new int[0], new Auth[0],
                new TpmWriter().u16(want).toByteArray(), 0, (h, p) -> p.sized("randomBytes", want));
            if (chunk.length == 0)
            {
                throw new IOException("TPM2_GetRandom returned no bytes");
            }
            out.bytes(chunk);
        }
        return out.toByteArray();
    }

    /**
     * TPM2_CreatePrimary (Part 3 section 24.1) in {@code hierarchy} ({@link #RH_ENDORSEMENT}, {@link #RH_OWNER}…)
     * with an empty authValue; the hierarchy is authorized with an empty password.
     */
    public synchronized LoadedKey createPrimary(final int hierarchy, final TpmPublic template) throws IOException
    {
        final byte[] parameters = new TpmWriter().bytes(emptySensitiveCreate()).bytes(template.marshalSized())
            .sized(EMPTY).u32(0).toByteArray();
        return checkName(Commands.CREATE_PRIMARY, execute(Commands.CREATE_PRIMARY, new int[] {hierarchy},
            new Auth[] {PASSWORD}, parameters, 1, (handles, p) ->
            {
                final TpmPublic outPublic = TpmPublic.readSized(p, "outPublic");
                skipCreationOutputs(p);
                final byte[] name = p.sized("name", MAX_NAME);
                return new LoadedKey(handles[0], outPublic, name, EMPTY);
            }));
    }

    /** Creates the EK from the TCG default template ({@link Templates#ek}). */
    public LoadedKey createEk(final KeyType type) throws IOException
    {
        return createPrimary(RH_ENDORSEMENT, Templates.ek(type));
    }

    /**
     * Creates and loads an attestation key under the EK {@code ekHandle} ({@link Templates#attestationKey}), as
     * {@code tpm2_createak} does: TPM2_Create then TPM2_Load, each authorizing the EK with its policy.
     */
    public LoadedKey createAttestationKey(final int ekHandle, final KeyType type) throws IOException
    {
        return createAndLoad(ekHandle, Templates.attestationKey(type));
    }

    /** TPM2_Create (Part 3 section 12.1) then TPM2_Load (12.2) of {@code template} under {@code parentHandle}. */
    public synchronized LoadedKey createAndLoad(final int parentHandle, final TpmPublic template) throws IOException
    {
        final byte[] parameters = new TpmWriter().bytes(emptySensitiveCreate()).bytes(template.marshalSized())
            .sized(EMPTY).u32(0).toByteArray();
        final Created created = execute(Commands.CREATE, new int[] {parentHandle},
            new Auth[] {authorizeUser(parentHandle)}, parameters, 0, (h, p) ->
            {
                final byte[] outPrivate = p.sized("outPrivate", MAX_BLOB);
                final TpmPublic outPublic = TpmPublic.readSized(p, "outPublic");
                skipCreationOutputs(p);
                return new Created(new TpmWriter().sized(outPrivate).toByteArray(), outPublic);
            });
        return load(parentHandle, created.privateBlob(), created.publicArea());
    }

    /**
     * TPM2_Load (Part 3 section 12.2).
     *
     * @param privateBlob the TPM2B_PRIVATE from TPM2_Create ({@link LoadedKey#privateBlob()}).
     */
    public synchronized LoadedKey load(final int parentHandle, final byte[] privateBlob, final TpmPublic publicArea)
        throws IOException
    {
        requireSized("inPrivate", privateBlob);
        final byte[] blob = privateBlob.clone();
        final byte[] parameters = new TpmWriter().bytes(blob).bytes(publicArea.marshalSized()).toByteArray();
        return checkName(Commands.LOAD, execute(Commands.LOAD, new int[] {parentHandle},
            new Auth[] {authorizeUser(parentHandle)}, parameters, 1,
            (handles, p) -> new LoadedKey(handles[0], publicArea, p.sized("name", MAX_NAME), blob)));
    }

    /** TPM2_ReadPublic (Part 3 section 12.4): no authorization, the public area is public. */
    public synchronized ObjectPublic readPublic(final int handle) throws IOException
    {
        final ObjectPublic out = execute(Commands.READ_PUBLIC, new int[] {handle}, new Auth[0], EMPTY, 0,
            (h, p) -> new ObjectPublic(TpmPublic.readSized(p, "outPublic"), p.sized("name", MAX_NAME),
                p.sized("qualifiedName", MAX_NAME)));
        if (!Arrays.equals(out.name(), out.publicArea().name()))
        {
            throw new IOException(String.format("TPM2_ReadPublic of 0x%08x: the TPM's name does not match the " +
                "public area it returned", handle));
        }
        return out;
    }

    /**
     * TPM2_PCR_Read (Part 3 section 22.4) of {@code pcrs} in {@code bank}. A TPM answers at most 8 PCRs per call and
     * says which ones in pcrSelectionOut, so this asks again for the rest; if the PCRs change in between (the
     * pcrUpdateCounter moves), it starts over so that the values form one consistent snapshot.
     *
     * @return PCR index → value, ascending.
     * @throws IOException when the TPM does not return a requested PCR (the bank is not allocated, or no such PCR).
     */
    public synchronized Map<Integer, byte[]> pcrRead(final int bank, final int... pcrs) throws IOException
    {
        final int digestSize = TpmAlgorithm.digestSize(bank);
        if (digestSize < 0)
        {
            throw new IllegalArgumentException("not a PCR bank: " + TpmAlgorithm.hashName(bank));
        }
        final TreeSet<Integer> wanted = new TreeSet<>();
        for (final int pcr : pcrs)
        {
            wanted.add(checkPcr(pcr));
        }
        final Map<Integer, byte[]> values = new TreeMap<>();
        final TreeSet<Integer> missing = new TreeSet<>(wanted);
        long counter = -1;
        for (int pass = 0; !missing.isEmpty(); pass++)
        {
            if (pass == MAX_PCR_READ_PASSES)
            {
                throw new IOException("TPM2_PCR_Read: PCRs kept changing while they were read");
            }
            final byte[] parameters = selectionList(bank, missing.stream().mapToInt(Integer::intValue).toArray());
            final PcrReadAnswer answer = execute(Commands.PCR_READ, new int[0], new Auth[0], parameters, 0, (h, p) ->
            {
                final long updateCounter = Integer.toUnsignedLong(p.u32("pcrUpdateCounter"));
                final List<PcrSelection> selection = PcrSelection.readList(p, "pcrSelectionOut");
                final int at = p.position();
                final int count = p.u32("pcrValues.count");
                if (count < 0 || count > 8)
                {
                    throw new TpmFormatException("pcrValues.count", at, Integer.toUnsignedString(count) +
                        " digests; a TPML_DIGEST holds at most 8");
                }
                final byte[][] digests = new byte[count][];
                for (int i = 0; i < count; i++)
                {
                    digests[i] = p.sized("pcrValues.digests[" + i + "]", MAX_DIGEST);
                }
                return new PcrReadAnswer(updateCounter, selection, digests);
            });
            if (counter >= 0 && answer.updateCounter() != counter)
            {
                values.clear();
                missing.addAll(wanted);
            }
            counter = answer.updateCounter();
            final byte[][] digests = answer.digests();
            int next = 0;
            for (final PcrSelection bankSelection : answer.selection())
            {
                for (final int pcr : bankSelection.pcrs())
                {
                    if (bankSelection.hashAlg() != bank || !missing.contains(pcr) || next >= digests.length ||
                        digests[next].length != digestSize)
                    {
                        throw new IOException("TPM2_PCR_Read returned a selection or digests that do not match " +
                            "the request (" + TpmAlgorithm.hashName(bankSelection.hashAlg()) + ":" + pcr + ")");
                    }
                    values.put(pcr, digests[next++]);
                    missing.remove(pcr);
                }
            }
            if (next != digests.length)
            {
                throw new IOException("TPM2_PCR_Read returned " + digests.length + " digests for " + next + " PCRs");
            }
            if (next == 0)
            {
                throw new IOException("TPM2_PCR_Read returned no value for " + TpmAlgorithm.hashName(bank) + ":" +
                    missing + " (is the bank allocated? see tpm2_pcrallocate)");
            }
        }
        return Collections.unmodifiableMap(values);
    }

    /** TPM2_PCR_Extend (Part 3 section 22.2): PCR := H(PCR ‖ digest) in {@code bank}. */
    public synchronized void pcrExtend(final int pcr, final int bank, final byte[] digest) throws IOException
    {
        if (digest.length != TpmAlgorithm.digestSize(bank))
        {
            throw new IllegalArgumentException("a " + TpmAlgorithm.hashName(bank) + " digest has " +
                TpmAlgorithm.digestSize(bank) + " bytes, not " + digest.length);
        }
        final byte[] parameters = new TpmWriter().u32(1).u16(bank).bytes(digest).toByteArray();
        execute(Commands.PCR_EXTEND, new int[] {checkPcr(pcr)}, new Auth[] {PASSWORD}, parameters, 0, (h, p) -> null);
    }

    /** TPM2_PCR_Reset (Part 3 section 22.8): only resettable PCRs (16 and 23 at locality 0 on a PC Client TPM). */
    public synchronized void pcrReset(final int pcr) throws IOException
    {
        execute(Commands.PCR_RESET, new int[] {checkPcr(pcr)}, new Auth[] {PASSWORD}, EMPTY, 0, (h, p) -> null);
    }

    /**
     * TPM2_Quote (Part 3 section 18.4) with the key's own scheme (inScheme TPM_ALG_NULL).
     *
     * @param qualifyingData the verifier's nonce, at most 64 bytes; it comes back as TPMS_ATTEST.extraData.
     */
    public synchronized Quote quote(final int akHandle, final byte[] qualifyingData, final int bank,
        final int... pcrs) throws IOException
    {
        if (qualifyingData.length > MAX_DIGEST)
        {
            throw new IllegalArgumentException("qualifyingData is a TPM2_DATA of at most 64 bytes, not " +
                qualifyingData.length);
        }
        final byte[] parameters = new TpmWriter().sized(qualifyingData).u16(TpmAlgorithm.NULL)
            .bytes(selectionList(bank, pcrs)).toByteArray();
        return execute(Commands.QUOTE, new int[] {akHandle}, new Auth[] {PASSWORD}, parameters, 0, (h, p) ->
        {
            final byte[] attest = p.sized("quoted", MAX_BLOB);
            final byte[] signature = p.bytes("signature", p.remaining());
            TpmtSignature.parse(signature);
            return new Quote(attest, signature);
        });
    }

    /** TPM2_FlushContext (Part 3 section 28.4) of a transient object or a session. */
    public synchronized void flushContext(final int handle) throws IOException
    {
        execute(Commands.FLUSH_CONTEXT, new int[0], new Auth[0], new TpmWriter().u32(handle).toByteArray(), 0,
            (h, p) -> null);
    }

    /** TPM2_NV_ReadPublic (Part 3 section 31.6). */
    public synchronized NvPublic nvReadPublic(final int index) throws IOException
    {
        return execute(Commands.NV_READ_PUBLIC, new int[] {index}, new Auth[0], EMPTY, 0, (h, p) ->
        {
            final int sizeAt = p.position();
            final int size = p.u16("nvPublic.size");
            final int start = p.position();
            final int nvIndex = p.u32("nvPublic.nvIndex");
            final int nameAlg = p.u16("nvPublic.nameAlg");
            final int attributes = p.u32("nvPublic.attributes");
            final byte[] authPolicy = p.sized("nvPublic.authPolicy", MAX_DIGEST);
            final int dataSize = p.u16("nvPublic.dataSize");
            if (p.position() - start != size)
            {
                throw new TpmFormatException("nvPublic.size", sizeAt, size + " does not frame a TPMS_NV_PUBLIC");
            }
            return new NvPublic(nvIndex, nameAlg, attributes, authPolicy, dataSize, p.sized("nvName", MAX_NAME));
        });
    }

    /** Reads the whole of NV index {@code index} (an EK certificate, say) in chunks of TPM_PT_NV_BUFFER_MAX. */
    public byte[] nvRead(final int index) throws IOException
    {
        return nvRead(index, nvBufferMax());
    }

    /**
     * TPM2_NV_Read (Part 3 section 31.13) of the whole index, {@code chunkBytes} at a time, authorized by the index
     * itself when it allows (TPMA_NV_AUTHREAD), else by the owner or platform hierarchy, all with empty passwords.
     */
    public synchronized byte[] nvRead(final int index, final int chunkBytes) throws IOException
    {
        if (chunkBytes <= 0)
        {
            throw new IllegalArgumentException("chunkBytes must be positive");
        }
        final NvPublic nv = nvReadPublic(index);
        final int authHandle;
        if ((nv.attributes() & NV_AUTHREAD) != 0)
        {
            authHandle = index;
        }
        else if ((nv.attributes() & NV_OWNERREAD) != 0)
        {
            authHandle = RH_OWNER;
        }
        else if ((nv.attributes() & NV_PPREAD) != 0)
        {
            authHandle = RH_PLATFORM;
        }
        else
        {
            throw new IOException(String.format("NV index 0x%08x is readable only with a policy (attributes " +
                "0x%08x)", index, nv.attributes()));
        }
        final TpmWriter data = new TpmWriter();
        while (data.size() < nv.dataSize())
        {
            final int want = Math.min(chunkBytes, nv.dataSize() - data.size());
            final byte[] parameters = new TpmWriter().u16(want).u16(data.size()).toByteArray();
            final byte[] chunk = execute(Commands.NV_READ, new int[] {authHandle, index}, new Auth[] {PASSWORD},
                parameters, 0, (h, p) -> p.sized("data", want));
            if (chunk.length != want)
            {
                throw new IOException("TPM2_NV_Read returned " + chunk.length + " bytes, asked for " + want);
            }
            data.bytes(chunk);
        }
        return data.toByteArray();
    }

    /** TPM_PT_NV_BUFFER_MAX (TPM2_GetCapability, Part 3 section 30.2): the most one TPM2_NV_Read returns. */
    public synchronized int nvBufferMax() throws IOException
    {
        final byte[] parameters = new TpmWriter().u32(Commands.CAP_TPM_PROPERTIES).u32(Commands.PT_NV_BUFFER_MAX)
            .u32(1).toByteArray();
        final int value = execute(Commands.GET_CAPABILITY, new int[0], new Auth[0], parameters, 0, (h, p) ->
        {
            p.u8("moreData");
            final int capability = p.u32("capabilityData.capability");
            final int at = p.position();
            final int count = p.u32("tpmProperties.count");
            if (capability != Commands.CAP_TPM_PROPERTIES || count < 0 || count > 1)
            {
                throw new TpmFormatException("tpmProperties.count", at, "asked for one property, got " +
                    Integer.toUnsignedString(count));
            }
            final int property = count == 1 ? p.u32("property") : 0;
            final int propertyValue = count == 1 ? p.u32("value") : 0;
            return property == Commands.PT_NV_BUFFER_MAX ? propertyValue : -1;
        });
        // Every TPM reports it; 512 is the smallest value the PC Client profile allows.
        return value > 0 ? value : 512;
    }

    /**
     * TPM2_ActivateCredential (Part 3 section 12.5): the EK decrypts the seed, checks the credential was made for the
     * Name of {@code akHandle} (TPM_RC_INTEGRITY otherwise) and returns the credential. The AK is authorized in the
     * ADMIN role (its empty password), the EK in the USER role (its policy).
     *
     * @param credentialBlob  the TPM2B_ID_OBJECT, with its size.
     * @param encryptedSecret the TPM2B_ENCRYPTED_SECRET, with its size.
     */
    public synchronized byte[] activateCredential(final int akHandle, final int ekHandle,
        final byte[] credentialBlob, final byte[] encryptedSecret) throws IOException
    {
        requireSized("credentialBlob", credentialBlob);
        requireSized("secret", encryptedSecret);
        final byte[] parameters = new TpmWriter().bytes(credentialBlob).bytes(encryptedSecret).toByteArray();
        final Auth admin = authorizeAdmin(akHandle);
        final Auth user = authorizeUser(ekHandle);
        return execute(Commands.ACTIVATE_CREDENTIAL, new int[] {akHandle, ekHandle}, new Auth[] {admin, user},
            parameters, 0, (h, p) -> p.sized("certInfo", MAX_DIGEST));
    }

    /**
     * TPM2_StartAuthSession (Part 3 section 11.1) of an unsalted, unbound policy session with no parameter
     * encryption, hashing with {@code hashAlg}.
     *
     * @return the session handle; the caller flushes it unless a command uses it without continueSession.
     */
    public synchronized int startPolicySession(final int hashAlg) throws IOException
    {
        final byte[] nonceCaller = new byte[TpmAlgorithm.digestSize(hashAlg)];
        random.nextBytes(nonceCaller);
        final byte[] parameters = new TpmWriter().sized(nonceCaller).sized(EMPTY).u8(Commands.SE_POLICY)
            .u16(TpmAlgorithm.NULL).u16(hashAlg).toByteArray();
        return execute(Commands.START_AUTH_SESSION, new int[] {RH_NULL, RH_NULL}, new Auth[0], parameters, 1,
            (handles, p) ->
            {
                p.sized("nonceTPM", MAX_DIGEST);
                return handles[0];
            });
    }

    /**
     * TPM2_PolicySecret (Part 3 section 23.4): extends {@code session}'s policy with "the holder of {@code
     * authHandle}'s secret approved", authorized here with its empty password.
     */
    public synchronized void policySecret(final int authHandle, final int session) throws IOException
    {
        final byte[] parameters = new TpmWriter().sized(EMPTY).sized(EMPTY).sized(EMPTY).u32(0).toByteArray();
        execute(Commands.POLICY_SECRET, new int[] {authHandle, session}, new Auth[] {PASSWORD}, parameters, 0,
            (h, p) ->
            {
                p.sized("timeout", MAX_DIGEST);
                p.u16("policyTicket.tag");
                p.u32("policyTicket.hierarchy");
                p.sized("policyTicket.digest", MAX_DIGEST);
                return null;
            });
    }

    /** The policy digest of TPM2_PolicySecret(TPM_RH_ENDORSEMENT) with {@code hashAlg} (Part 3 section 23.4.1). */
    public static byte[] endorsementPolicy(final int hashAlg)
    {
        final byte[] zero = new byte[TpmAlgorithm.digestSize(hashAlg)];
        final byte[] commandAndName = new TpmWriter().u32(Commands.POLICY_SECRET).u32(RH_ENDORSEMENT).toByteArray();
        return TpmAlgorithm.hash(hashAlg, TpmAlgorithm.hash(hashAlg, zero, commandAndName));
    }

    @Override
    public void close() throws IOException
    {
        transport.close();
    }

    /** Flushes {@code handle}, ignoring failure (it may already be gone): for clean-up paths. */
    public void flushQuietly(final int handle)
    {
        try
        {
            flushContext(handle);
        }
        catch (final IOException ignored)
        {
            // Already flushed (a policy session the TPM consumed), or the transport is gone.
        }
    }

    /**
     * USER-role authorization (Part 1 section 19, authorization roles) for an object with an empty authValue: a
     * password when userWithAuth is set, else a fresh policy session satisfying the TCG EK policy,
     * PolicySecret(TPM_RH_ENDORSEMENT).
     */
    private Auth authorizeUser(final int handle) throws IOException
    {
        if ((handle >>> 24) == 0x40)
        {
            return PASSWORD;
        }
        final TpmPublic object = readPublic(handle).publicArea();
        if (object.has(TpmPublic.USER_WITH_AUTH))
        {
            return PASSWORD;
        }
        final byte[] policy = endorsementPolicy(object.nameAlg());
        if (!Arrays.equals(policy, object.authPolicy()))
        {
            throw new IOException(String.format("object 0x%08x needs a policy this client does not know how to " +
                "satisfy (authPolicy is not PolicySecret(TPM_RH_ENDORSEMENT))", handle));
        }
        final int session = startPolicySession(object.nameAlg());
        try
        {
            policySecret(RH_ENDORSEMENT, session);
        }
        catch (final IOException e)
        {
            flushQuietly(session);
            throw e;
        }
        final byte[] nonceCaller = new byte[TpmAlgorithm.digestSize(object.nameAlg())];
        random.nextBytes(nonceCaller);
        // continueSession clear: the TPM flushes the session once the command succeeds.
        return new Auth(new TpmWriter().u32(session).sized(nonceCaller).u8(0).sized(EMPTY).toByteArray(), session);
    }

    /** ADMIN-role authorization: the empty password, unless the object demands a policy (adminWithPolicy). */
    private Auth authorizeAdmin(final int handle) throws IOException
    {
        if ((handle >>> 24) != 0x40 && readPublic(handle).publicArea().has(TpmPublic.ADMIN_WITH_POLICY))
        {
            throw new IOException(String.format("object 0x%08x needs a policy for its ADMIN role (adminWithPolicy)",
                handle));
        }
        return PASSWORD;
    }

    private static int checkPcr(final int pcr)
    {
        if (pcr < 0 || pcr > MAX_PCR)
        {
            throw new IllegalArgumentException("PCR " + pcr + " is not 0 to " + MAX_PCR);
        }
        return pcr;
    }

    /** A TPML_PCR_SELECTION of one bank. */
    private static byte[] selectionList(final int bank, final int[] pcrs)
    {
        final int[] sorted = Arrays.stream(pcrs).map(Tpm2::checkPcr).sorted().distinct().toArray();
        final TpmWriter out = new TpmWriter().u32(1);
        new PcrSelection(bank, sorted).write(out);
        return out.toByteArray();
    }

    /** TPM2B_SENSITIVE_CREATE with an empty userAuth and no data: size 4, then two empty TPM2Bs. */
    private static byte[] emptySensitiveCreate()
    {
        return new TpmWriter().u16(4).sized(EMPTY).sized(EMPTY).toByteArray();
    }

    /** creationData, creationHash and creationTicket: TPM2_Create(Primary) outputs this client does not use. */
    private static void skipCreationOutputs(final TpmReader p) throws TpmFormatException
    {
        p.sized("creationData", MAX_BLOB);
        p.sized("creationHash", MAX_DIGEST);
        p.u16("creationTicket.tag");
        p.u32("creationTicket.hierarchy");
        p.sized("creationTicket.digest", MAX_DIGEST);
    }

    private static void requireSized(final String field, final byte[] tpm2b)
    {
        try
        {
            final TpmReader in = new TpmReader(tpm2b);
            in.sized(field, 0xFFFF);
            in.expectEnd(field);
        }
        catch (final TpmFormatException e)
        {
            throw new IllegalArgumentException(field + " is not one TPM2B (size then bytes): " + e.getMessage());
        }
    }

    private static boolean isRetryable(final byte[] response)
    {
        if (response.length < TpmTransport.HEADER_BYTES)
        {
            return false;
        }
        final int rc = ((response[6] & 0xFF) << 24) | ((response[7] & 0xFF) << 16) | ((response[8] & 0xFF) << 8) |
            (response[9] & 0xFF);
        return rc == RC_RETRY || rc == RC_YIELDED || rc == RC_TESTING;
    }

    private static void pause(final int attempt) throws IOException
    {
        try
        {
            Thread.sleep(Math.min(100, 2L * attempt));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while retrying a TPM command", e);
        }
    }

    /**
     * Checks the TPM's Name for a new object against the Name of the public area it returned: they differ only if
     * this client's marshalling of TPMT_PUBLIC is not the TPM's, which would make every Name it computes wrong.
     */
    private LoadedKey checkName(final int commandCode, final LoadedKey key) throws IOException
    {
        if (!Arrays.equals(key.name(), key.publicArea().name()))
        {
            flushQuietly(key.handle());
            throw new IOException(Commands.name(commandCode) + ": the TPM's name for the new object does not match " +
                "its public area");
        }
        return key;
    }

    /**
     * Marshals a command (Part 1 section 18: header, handles, authorization area, parameters), sends it, and decodes
     * the response: header, handles, then (with sessions) parameterSize, the parameters and one TPMS_AUTH_RESPONSE per
     * session. Policy sessions of a failed command are flushed, and so are the handles of a successful response that
     * then does not decode.
     */
    private <T> T execute(final int commandCode, final int[] handles, final Auth[] auths, final byte[] parameters,
        final int responseHandles, final Decoder<T> decoder) throws IOException
    {
        final TpmWriter body = new TpmWriter();
        for (final int handle : handles)
        {
            body.u32(handle);
        }
        if (auths.length > 0)
        {
            final TpmWriter area = new TpmWriter();
            for (final Auth auth : auths)
            {
                area.bytes(auth.bytes());
            }
            body.u32(area.size()).bytes(area.toByteArray());
        }
        body.bytes(parameters);
        final int tag = auths.length > 0 ? Commands.ST_SESSIONS : Commands.ST_NO_SESSIONS;
        final byte[] command = new TpmWriter().u16(tag).u32(TpmTransport.HEADER_BYTES + body.size()).u32(commandCode)
            .bytes(body.toByteArray()).toByteArray();
        final byte[] response;
        final int responseTag;
        final int rc;
        final TpmReader in;
        try
        {
            response = transact(command);
            in = new TpmReader(response);
            responseTag = in.u16("tag");
            final long size = Integer.toUnsignedLong(in.u32("responseSize"));
            rc = in.u32("responseCode");
            if (size != response.length)
            {
                throw new TpmFormatException("responseSize", 2, size + " but " + response.length + " bytes arrived");
            }
        }
        catch (final TpmFormatException e)
        {
            // Whether the TPM ran the command is unknown, so its sessions may still be loaded.
            flushSessions(auths);
            throw new IOException("malformed " + Commands.name(commandCode) + " response: " + e.getMessage(), e);
        }
        catch (final IOException | RuntimeException e)
        {
            flushSessions(auths);
            throw e;
        }
        if (rc != 0)
        {
            flushSessions(auths);
            throw new TpmException(commandCode, rc);
        }
        // Success: the TPM has flushed the sessions (continueSession clear) and may have created objects or sessions,
        // whose handles come first. If anything after them does not decode, they are flushed before this throws,
        // since the caller never learns them.
        final int[] outHandles = new int[responseHandles];
        int handlesRead = 0;
        boolean decoded = false;
        try
        {
            for (int i = 0; i < responseHandles; i++)
            {
                outHandles[i] = in.u32("handle[" + i + "]");
                handlesRead++;
            }
            if (responseTag != tag)
            {
                throw new TpmFormatException("tag", 0, String.format("0x%04x, expected 0x%04x", responseTag, tag));
            }
            final TpmReader parameterArea;
            if (auths.length > 0)
            {
                final long parameterSize = Integer.toUnsignedLong(in.u32("parameterSize"));
                if (parameterSize > in.remaining())
                {
                    throw new TpmFormatException("parameterSize", in.position() - 4, parameterSize + " exceeds the " +
                        in.remaining() + " bytes left");
                }
                parameterArea = new TpmReader(in.bytes("parameters", (int)parameterSize));
                for (int i = 0; i < auths.length; i++)
                {
                    in.sized("authResponse[" + i + "].nonce", MAX_DIGEST);
                    in.u8("authResponse[" + i + "].sessionAttributes");
                    in.sized("authResponse[" + i + "].hmac", MAX_DIGEST);
                }
            }
            else
            {
                parameterArea = new TpmReader(in.bytes("parameters", in.remaining()));
            }
            in.expectEnd("response");
            final T out = decoder.decode(outHandles, parameterArea);
            parameterArea.expectEnd(Commands.name(commandCode) + " response parameters");
            decoded = true;
            return out;
        }
        catch (final TpmFormatException e)
        {
            throw new IOException("malformed " + Commands.name(commandCode) + " response: " + e.getMessage(), e);
        }
        finally
        {
            if (!decoded)
            {
                for (int i = 0; i < handlesRead; i++)
                {
                    flushQuietly(outHandles[i]);
                }
            }
        }
    }

    /** Sends {@code command}, again while the TPM answers "retry" (at most {@link #MAX_ATTEMPTS} times). */
    private byte[] transact(final byte[] command) throws IOException
    {
        byte[] response = transport.transact(command);
        for (int attempt = 1; attempt < MAX_ATTEMPTS && isRetryable(response); attempt++)
        {
            pause(attempt);
            response = transport.transact(command);
        }
        return response;
    }

    /** Flushes the policy sessions of a command that did not succeed, ignoring those already gone. */
    private void flushSessions(final Auth[] auths)
    {
        for (final Auth auth : auths)
        {
            if (auth.session() != 0)
            {
                flushQuietly(auth.session());
            }
        }
    }
}
