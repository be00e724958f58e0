using System.Globalization;
using System.Numerics;

namespace Zone.Actors.Money;

/// <summary>
/// An amount of $OPG as a whole number of nano-OPG (1 OPG = 10^9 nOPG).
/// Arithmetic is checked: an overflow throws <see cref="OverflowException"/> instead of wrapping,
/// because a wrapped balance would silently create or destroy money.
/// </summary>
public readonly record struct Opg(long Nano) : IComparable<Opg>
{
    public const long NanoPerOpg = 1_000_000_000;
    public const int BasisPointsPerWhole = 10_000;

    public static readonly Opg Zero = new(0);

    public static Opg FromNano(long nano) => new(nano);

    public static Opg FromWhole(long opg) => new(checked(opg * NanoPerOpg));

    public bool IsNegative => Nano < 0;
    public bool IsPositive => Nano > 0;

    public static Opg operator +(Opg a, Opg b) => new(checked(a.Nano + b.Nano));
    public static Opg operator -(Opg a, Opg b) => new(checked(a.Nano - b.Nano));
    public static Opg operator -(Opg a) => new(checked(-a.Nano));
    public static Opg operator *(Opg a, long factor) => new(checked(a.Nano * factor));
    public static bool operator <(Opg a, Opg b) => a.Nano < b.Nano;
    public static bool operator >(Opg a, Opg b) => a.Nano > b.Nano;
    public static bool operator <=(Opg a, Opg b) => a.Nano <= b.Nano;
    public static bool operator >=(Opg a, Opg b) => a.Nano >= b.Nano;

    public int CompareTo(Opg other) => Nano.CompareTo(other.Nano);

    public static Opg Min(Opg a, Opg b) => a.Nano <= b.Nano ? a : b;
    public static Opg Max(Opg a, Opg b) => a.Nano >= b.Nano ? a : b;

    public static Opg Sum(IEnumerable<Opg> amounts)
    {
        var total = Zero;
        foreach (var amount in amounts) total += amount;
        return total;
    }

    /// <summary>
    /// Takes <paramref name="basisPoints"/>/10,000 of this amount, rounded down, and returns the
    /// rest separately so that <c>Share + Remainder == this</c> always holds: rounding never creates money,
    /// the caller decides where the remainder goes.
    /// </summary>
    public (Opg Share, Opg Remainder) SplitBasisPoints(int basisPoints)
    {
        if (basisPoints is < 0 or > BasisPointsPerWhole)
            throw new ArgumentOutOfRangeException(nameof(basisPoints), basisPoints, "basis points must be within 0..10000");
        return SplitFraction(basisPoints, BasisPointsPerWhole);
    }

    /// <summary>
    /// Takes numerator/denominator of this amount, rounded toward zero, and the rest, which sum to this amount exactly.
    /// The product is computed in 128 bits so no intermediate overflow can occur.
    /// </summary>
    public (Opg Share, Opg Remainder) SplitFraction(long numerator, long denominator)
    {
        if (denominator <= 0) throw new ArgumentOutOfRangeException(nameof(denominator), denominator, "denominator must be positive");
        if (numerator < 0 || numerator > denominator)
            throw new ArgumentOutOfRangeException(nameof(numerator), numerator, $"fraction must be within 0..1 (denominator {denominator})");
        var share = (long)((Int128)Nano * numerator / denominator);
        return (new Opg(share), new Opg(Nano - share));
    }

    /// <summary>
    /// Splits this amount into parts proportional to <paramref name="weights"/>; every part is rounded down and
    /// the leftover nano-OPG go one each to the first parts, so the parts always sum to this amount.
    /// </summary>
    public Opg[] SplitProportionally(IReadOnlyList<long> weights)
    {
        if (weights.Count == 0) throw new ArgumentException("at least one weight is required", nameof(weights));
        if (IsNegative) throw new InvalidOperationException($"cannot split a negative amount ({this})");
        BigInteger totalWeight = 0;
        foreach (var w in weights)
        {
            if (w < 0) throw new ArgumentOutOfRangeException(nameof(weights), w, "weights must not be negative");
            totalWeight += w;
        }
        if (totalWeight.IsZero) throw new ArgumentException("the weights sum to zero", nameof(weights));

        var parts = new Opg[weights.Count];
        long assigned = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = (long)(new BigInteger(Nano) * weights[i] / totalWeight);
            parts[i] = new Opg(part);
            assigned += part;
        }
        for (var i = 0; assigned < Nano; i = (i + 1) % parts.Length)
        {
            if (weights[i] == 0) continue;
            parts[i] += new Opg(1);
            assigned++;
        }
        return parts;
    }

    /// <summary>Formats as OPG with up to nine decimals and no trailing zeros: "0.002 OPG", "-1.5 OPG", "0 OPG".</summary>
    public override string ToString()
    {
        var magnitude = Nano < 0 ? -(Int128)Nano : Nano;
        var whole = magnitude / NanoPerOpg;
        var fraction = (long)(magnitude % NanoPerOpg);
        var sign = Nano < 0 ? "-" : "";
        if (fraction == 0) return $"{sign}{whole} OPG";
        var decimals = fraction.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return $"{sign}{whole}.{decimals} OPG";
    }

    public static Opg Parse(string text) =>
        TryParse(text, out var amount, out var error) ? amount : throw new FormatException(error);

    /// <summary>
    /// Parses "1.25 OPG", "2500 nOPG", "7 opg", "-3 nOPG". A bare number is refused because the unit would be a guess.
    /// </summary>
    public static bool TryParse(string? text, out Opg amount, out string error)
    {
        amount = Zero;
        if (string.IsNullOrWhiteSpace(text)) { error = "an amount is required, e.g. \"0.002 OPG\" or \"2500 nOPG\""; return false; }
        var parts = text.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2) { error = $"'{text}' is not '<number> OPG' or '<integer> nOPG'"; return false; }
        var (number, unit) = (parts[0], parts[1]);

        if (unit.Equals("nOPG", StringComparison.OrdinalIgnoreCase))
        {
            if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var nano))
            {
                error = IsIntegerText(number) ? $"'{text}' is outside the range of nano-OPG a 64-bit integer holds" : $"'{number}' is not a whole number of nOPG";
                return false;
            }
            amount = new Opg(nano);
            error = "";
            return true;
        }
        if (!unit.Equals("OPG", StringComparison.OrdinalIgnoreCase)) { error = $"unknown unit '{unit}' in '{text}' (expected OPG or nOPG)"; return false; }
        return TryParseOpgDecimal(text, number, out amount, out error);
    }

    private static bool TryParseOpgDecimal(string text, string number, out Opg amount, out string error)
    {
        amount = Zero;
        var negative = number.StartsWith('-');
        var digits = negative || number.StartsWith('+') ? number[1..] : number;
        var dot = digits.IndexOf('.');
        var wholeText = dot < 0 ? digits : digits[..dot];
        var fractionText = dot < 0 ? "" : digits[(dot + 1)..];
        if (wholeText.Length == 0 || !wholeText.All(char.IsAsciiDigit) || !fractionText.All(char.IsAsciiDigit) || (dot >= 0 && fractionText.Length == 0))
        { error = $"'{number}' is not a decimal number in '{text}'"; return false; }
        if (fractionText.Length > 9) { error = $"'{text}' has more than 9 decimals (1 nOPG is the smallest unit)"; return false; }

        if (!BigInteger.TryParse(wholeText, NumberStyles.None, CultureInfo.InvariantCulture, out var whole))
        { error = $"'{number}' is not a decimal number in '{text}'"; return false; }
        var fraction = fractionText.Length == 0 ? BigInteger.Zero : BigInteger.Parse(fractionText.PadRight(9, '0'), CultureInfo.InvariantCulture);
        var nano = whole * NanoPerOpg + fraction;
        if (negative) nano = -nano;
        if (nano < long.MinValue || nano > long.MaxValue) { error = $"'{text}' is outside the range of nano-OPG a 64-bit integer holds"; return false; }
        amount = new Opg((long)nano);
        error = "";
        return true;
    }

    private static bool IsIntegerText(string s) => s.TrimStart('-', '+').Length > 0 && s.TrimStart('-', '+').All(char.IsAsciiDigit);
}
