using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Zone.Actors.Money;

namespace Zone.Actors.Tests.Money;

public sealed class OpgTests
{
    [Property(MaxTest = 1000)]
    public bool Formatting_then_parsing_gives_the_same_amount(long nano) =>
        Opg.Parse(new Opg(nano).ToString()) == new Opg(nano)
        && Opg.Parse($"{nano} nOPG") == new Opg(nano);

    [Property(MaxTest = 1000)]
    public bool A_basis_point_split_always_sums_to_the_original(long nano, int rawBasisPoints)
    {
        var basisPoints = (int)((uint)rawBasisPoints % (Opg.BasisPointsPerWhole + 1));
        var (share, remainder) = new Opg(nano).SplitBasisPoints(basisPoints);
        return share + remainder == new Opg(nano) && Math.Abs(share.Nano) <= Math.Abs(nano);
    }

    [Property(MaxTest = 1000)]
    public bool A_fraction_never_exceeds_its_share_and_the_parts_sum_to_the_original(long nano, long a, long b)
    {
        var denominator = Math.Max(1, Math.Abs(b % 1_000_000_007));
        var numerator = Math.Abs(a % (denominator + 1));
        var (share, remainder) = new Opg(nano).SplitFraction(numerator, denominator);
        var exact = (BigInteger)nano * numerator / denominator;
        return share + remainder == new Opg(nano) && share.Nano == exact;
    }

    [Property(MaxTest = 500)]
    public bool A_proportional_split_always_sums_to_the_original(NonNegativeInt amount, int[] rawWeights)
    {
        var weights = rawWeights.Select(w => (long)Math.Abs(w % 1000)).Append(1).ToArray();
        var parts = new Opg(amount.Get).SplitProportionally(weights);
        return Opg.Sum(parts) == new Opg(amount.Get) && parts.All(p => !p.IsNegative)
               && parts.Zip(weights).All(pw => pw.Item2 != 0 || pw.Item1 == Opg.Zero);
    }

    [Property(MaxTest = 1000)]
    public bool Addition_overflow_is_an_error_never_a_wrap(long a, long b)
    {
        var exact = (BigInteger)a + b;
        var fits = exact >= long.MinValue && exact <= long.MaxValue;
        try
        {
            var sum = new Opg(a) + new Opg(b);
            return fits && sum.Nano == (long)exact;
        }
        catch (OverflowException)
        {
            return !fits;
        }
    }

    [Fact]
    public void Extreme_amounts_overflow_instead_of_wrapping()
    {
        Assert.Throws<OverflowException>(() => new Opg(long.MaxValue) + new Opg(1));
        Assert.Throws<OverflowException>(() => new Opg(long.MinValue) - new Opg(1));
        Assert.Throws<OverflowException>(() => -new Opg(long.MinValue));
        Assert.Throws<OverflowException>(() => new Opg(long.MaxValue / 2 + 1) * 2);
        Assert.Throws<OverflowException>(() => Opg.FromWhole(10_000_000_000));
    }

    [Theory]
    [InlineData("0.002 OPG", 2_000_000)]
    [InlineData("2500 nOPG", 2500)]
    [InlineData("1 OPG", 1_000_000_000)]
    [InlineData("-1.5 opg", -1_500_000_000)]
    [InlineData("0.000000001 OPG", 1)]
    [InlineData("  9223372036.854775807 OPG ", long.MaxValue)]
    public void Parses_documented_forms(string text, long expectedNano) => Assert.Equal(new Opg(expectedNano), Opg.Parse(text));

    [Theory]
    [InlineData(2_000_000, "0.002 OPG")]
    [InlineData(1_000_000_000, "1 OPG")]
    [InlineData(-1_500_000_000, "-1.5 OPG")]
    [InlineData(0, "0 OPG")]
    [InlineData(long.MinValue, "-9223372036.854775808 OPG")]
    public void Formats_as_opg_without_trailing_zeros(long nano, string expected) => Assert.Equal(expected, new Opg(nano).ToString());

    [Theory]
    [InlineData("", "an amount is required")]
    [InlineData("12", "is not '<number> OPG'")]
    [InlineData("1.5 ETH", "unknown unit 'ETH'")]
    [InlineData("1.5 nOPG", "not a whole number of nOPG")]
    [InlineData("0.0000000001 OPG", "more than 9 decimals")]
    [InlineData("abc OPG", "not a decimal number")]
    [InlineData("1. OPG", "not a decimal number")]
    [InlineData("99999999999 OPG", "outside the range")]
    [InlineData("99999999999999999999 nOPG", "outside the range")]
    public void Rejects_malformed_amounts_with_the_reason(string text, string reason)
    {
        Assert.False(Opg.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
        var thrown = Assert.Throws<FormatException>(() => Opg.Parse(text));
        Assert.Contains(reason, thrown.Message);
    }
}
