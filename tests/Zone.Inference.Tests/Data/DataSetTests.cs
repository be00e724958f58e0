using FsCheck.Xunit;
using Zone.Inference.Data;

namespace Zone.Inference.Tests.Data;

public sealed class DataSetTests
{
    [Fact]
    public void Missing_Fashion_MNIST_names_the_Debian_package()
    {
        var error = Assert.Throws<DataUnavailableException>(() => FashionMnist.LoadTest(FashionMnist.DebianDirectory + "-absent"));

        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
    }

    [Fact]
    public void Missing_fortunes_names_the_Debian_package()
    {
        var error = Assert.Throws<DataUnavailableException>(() => FortunesCorpus.Load("/nonexistent/fortunes"));

        Assert.Contains("apt-get install fortunes", error.Message);
    }

    [Fact]
    public void Checked_in_slice_holds_2000_labelled_images()
    {
        var slice = TestModels.Images;

        Assert.Equal((2000, 28, 28), (slice.Count, slice.Rows, slice.Columns));
        Assert.All(slice.Labels, label => Assert.InRange(label, 0, 9));
        Assert.Equal(10, slice.Labels.Distinct().Count());
        Assert.InRange(slice.Pixels.Max(), 0.99f, 1f);
    }

    [Property]
    public bool Vocabulary_round_trips_normalised_text(string? text)
    {
        var normalized = CharacterVocabulary.Normalize(text ?? "");
        var tokens = CharacterVocabulary.Encode(normalized);
        return tokens.All(t => t is >= 0 and < CharacterVocabulary.Size) && CharacterVocabulary.Decode(tokens) == normalized;
    }

    [Fact]
    public void Normalisation_resolves_overstriking_and_tabs()
    {
        Assert.Equal("bold x", CharacterVocabulary.Normalize("_\bb_\bo_\bl_\bd\tx"));
    }
}
