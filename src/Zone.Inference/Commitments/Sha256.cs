using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Zone.Inference.Commitments;

/// <summary>
/// Standard SHA-256 for the short messages hashed once per job: output commitments, Merkle leaves and nodes.
/// .NET's SHA256 goes through OpenSSL's EVP layer, whose per-call bookkeeping (error-queue clearing, context setup
/// and free) costs several times the hash itself on short inputs. Measured here on 74 bytes (a classifier's
/// commitment layout is 66; both are two SHA-256 blocks): <c>SHA256.HashData</c> 560-770 ns, a reused <c>IncrementalHash</c> 340 ns, OpenSSL's
/// low-level <c>SHA256_Init/Update/Final</c> on a stack context 72-95 ns (the compression runs on SHA-NI either way).
/// So inputs up to <see cref="MaxDirectBytes"/> call those three functions of the libcrypto .NET itself loads;
/// longer inputs, and machines where that libcrypto or its low-level functions are missing, use .NET's SHA256.
/// Both compute the same digest (tested against each other).
/// </summary>
public static unsafe class Sha256
{
    public const int HashSize = 32;

    /// <summary>Longer inputs go through .NET: the EVP overhead is amortised, and the direct call does not let the GC in.</summary>
    public const int MaxDirectBytes = 16 * 1024;

    // sizeof(SHA256_CTX) is 112 bytes on 64-bit builds of OpenSSL 1.1 and 3.x; the context is given room to spare.
    private const int ContextBytes = 256;

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> Init;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> Final;

    static Sha256()
    {
        foreach (var library in (string[])["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (!NativeLibrary.TryLoad(library, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "SHA256_Init", out var init) &&
                NativeLibrary.TryGetExport(handle, "SHA256_Update", out var update) &&
                NativeLibrary.TryGetExport(handle, "SHA256_Final", out var final))
            {
                Init = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
                Update = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int>)update;
                Final = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
                Implementation = $"OpenSSL SHA256_Init/Update/Final ({library}) up to {MaxDirectBytes} bytes, .NET SHA256 beyond";
                return;
            }
        }
        Implementation = ".NET SHA256 (OpenSSL's low-level SHA-256 functions were not found)";
    }

    /// <summary>Which code computes the hashes on this machine (the bench notes name it).</summary>
    public static string Implementation { get; }

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new byte[HashSize];
        Hash(data, [], [], digest);
        return digest;
    }

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => Hash(data, [], [], destination);

    /// <summary>The hash of <paramref name="first"/> ‖ <paramref name="second"/> ‖ <paramref name="third"/>, without building the concatenation.</summary>
    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third, Span<byte> destination)
    {
        if (destination.Length < HashSize) throw new ArgumentException($"a SHA-256 digest needs {HashSize} bytes", nameof(destination));
        if (Init == null || first.Length + second.Length + third.Length > MaxDirectBytes)
        {
            using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hasher.AppendData(first);
            hasher.AppendData(second);
            hasher.AppendData(third);
            hasher.GetHashAndReset(destination);
            return;
        }
        var context = stackalloc byte[ContextBytes];
        fixed (byte* a = first, b = second, c = third, digest = destination)
        {
            if (Init(context) != 1 ||
                Update(context, a, (nuint)first.Length) != 1 ||
                Update(context, b, (nuint)second.Length) != 1 ||
                Update(context, c, (nuint)third.Length) != 1 ||
                Final(digest, context) != 1)
                throw new CryptographicException("OpenSSL's SHA-256 reported a failure");
        }
    }
}
