using System.Text;

namespace Zone.Inference.Data;

/// <summary>
/// English text from Debian's fortunes package: every file under /usr/share/games/fortunes without a
/// .dat/.u8 suffix, entries separated by lines holding "%". Every 20th entry (in sorted file order) is
/// held out for evaluation; a slice of the held-out text is checked in under models/data.
/// </summary>
public static class FortunesCorpus
{
    public const string DebianPackage = "fortunes";
    public const string DebianDirectory = "/usr/share/games/fortunes";
    public const string HeldOutFile = "fortunes-heldout.txt";
    public const int HeldOutEveryNthEntry = 20;
    public const int HeldOutSliceMaxChars = 60_000;

    public sealed record Split(string Training, string HeldOut);

    public static Split Load(string directory = DebianDirectory)
    {
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory).Where(f => Path.GetExtension(f) is not (".dat" or ".u8")).Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
            throw new DataUnavailableException($"the fortunes corpus is not installed ({directory} has no fortune files): run `apt-get install {DebianPackage}`");
        var training = new StringBuilder();
        var heldOut = new StringBuilder();
        var entryIndex = 0;
        foreach (var file in files)
        {
            foreach (var entry in Entries(File.ReadAllText(file, Encoding.UTF8)))
            {
                (entryIndex++ % HeldOutEveryNthEntry == 0 ? heldOut : training).Append(entry).Append('\n');
            }
        }
        return new Split(training.ToString(), heldOut.ToString());
    }

    public static string LoadHeldOutSlice(string modelsDirectory)
    {
        var path = Path.Combine(modelsDirectory, "data", HeldOutFile);
        return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : throw new DataUnavailableException($"held-out text slice missing: {path}");
    }

    public static void WriteHeldOutSlice(string heldOut, string modelsDirectory)
    {
        var directory = Directory.CreateDirectory(Path.Combine(modelsDirectory, "data")).FullName;
        var cut = heldOut.Length <= HeldOutSliceMaxChars ? heldOut.Length : heldOut.LastIndexOf('\n', HeldOutSliceMaxChars) + 1;
        File.WriteAllText(Path.Combine(directory, HeldOutFile), heldOut[..cut], new UTF8Encoding(false));
    }

    private static IEnumerable<string> Entries(string text)
    {
        var entry = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.TrimEnd('\r') == "%")
            {
                if (entry.Length > 0) yield return entry.ToString();
                entry.Clear();
            }
            else entry.Append(CharacterVocabulary.Normalize(line)).Append('\n');
        }
        if (entry.Length > 0) yield return entry.ToString();
    }
}
