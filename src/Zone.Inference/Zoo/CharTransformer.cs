using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zone.Inference.Zoo;

/// <summary>
/// A tiny character-level causal transformer (pre-norm, learned positions). Input token ids [N, T] with
/// T ≤ <see cref="Context"/>, output next-token logits [N, T, vocabulary]. Attention is written out with
/// plain matmuls and an explicit causal mask so every row takes the same kernels whatever the batch.
/// Causality also means right-padding a sequence leaves the logits of its real positions unchanged.
/// </summary>
public sealed class CharTransformer : nn.Module<Tensor, Tensor>
{
    public const int Vocabulary = Data.CharacterVocabulary.Size;
    public const int Context = 64, Width = 96, Heads = 4, Layers = 2, FeedForward = 4 * Width;

    /// <summary>Per token at full context: weights' multiply-adds plus attention scores and mixing.</summary>
    public const long FlopsPerToken =
        2L * Layers * (4L * Width * Width + 2L * Width * FeedForward) + 2L * Width * Vocabulary + Layers * 2L * 2L * Context * Width;

    private readonly Embedding tokens = nn.Embedding(Vocabulary, Width);
    private readonly Embedding positions = nn.Embedding(Context, Width);
    private readonly ModuleList<Block> blocks = new(Enumerable.Range(0, Layers).Select(i => new Block($"block{i}")).ToArray());
    private readonly LayerNorm finalNorm = nn.LayerNorm(Width);
    private readonly Linear head = nn.Linear(Width, Vocabulary);

    public CharTransformer() : base(nameof(CharTransformer)) => RegisterComponents();

    public override Tensor forward(Tensor tokenIds)
    {
        using var scope = NewDisposeScope();
        var length = tokenIds.size(1); // not shape[1], which leaves an object for the finalizer (see TensorModel)
        var x = tokens.forward(tokenIds) + positions.forward(arange(length, device: tokenIds.device));
        var mask = ones(length, length, dtype: ScalarType.Bool, device: tokenIds.device).triu(1);
        foreach (var block in blocks) x = block.Forward(x, mask);
        return head.forward(finalNorm.forward(x)).MoveToOuterDisposeScope();
    }

    private sealed class Block : nn.Module
    {
        private readonly LayerNorm norm1 = nn.LayerNorm(Width);
        private readonly Linear query = nn.Linear(Width, Width);
        private readonly Linear key = nn.Linear(Width, Width);
        private readonly Linear value = nn.Linear(Width, Width);
        private readonly Linear project = nn.Linear(Width, Width);
        private readonly LayerNorm norm2 = nn.LayerNorm(Width);
        private readonly Linear expand = nn.Linear(Width, FeedForward);
        private readonly Linear contract = nn.Linear(FeedForward, Width);

        public Block(string name) : base(name) => RegisterComponents();

        public Tensor Forward(Tensor x, Tensor causalMask)
        {
            var (batch, length) = (x.size(0), x.size(1));
            Tensor Split(Tensor t) => t.view(batch, length, Heads, Width / Heads).transpose(1, 2);
            var normed = norm1.forward(x);
            var (q, k, v) = (Split(query.forward(normed)), Split(key.forward(normed)), Split(value.forward(normed)));
            var scores = q.matmul(k.transpose(-2, -1)) / MathF.Sqrt(Width / Heads);
            var attention = nn.functional.softmax(scores.masked_fill(causalMask, float.NegativeInfinity), -1);
            var mixed = attention.matmul(v).transpose(1, 2).reshape(batch, length, Width);
            x = x + project.forward(mixed);
            return x + contract.forward(nn.functional.gelu(expand.forward(norm2.forward(x))));
        }
    }
}
