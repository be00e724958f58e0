using Zone.Inference.Zoo;

namespace Zone.Inference.Execution;

/// <summary>One job's input. Classifiers and TorchScript models take a <see cref="TensorInput"/>; language models a <see cref="GenerationInput"/>.</summary>
public abstract record InferenceInput;

/// <summary>One sample, row-major, without the batch dimension. Exactly one of the value arrays is set, matching <see cref="ElementType"/>.</summary>
public sealed record TensorInput(TensorElementType ElementType, int[] Shape, float[]? Float32Values, long[]? Int64Values) : InferenceInput
{
    public static TensorInput OfFloat32(float[] values, params int[] shape) => new(TensorElementType.Float32, shape, values, null);
    public static TensorInput OfInt64(long[] values, params int[] shape) => new(TensorElementType.Int64, shape, null, values);
    public int Length => ElementType == TensorElementType.Float32 ? Float32Values?.Length ?? 0 : Int64Values?.Length ?? 0;
}

/// <summary>Continue <see cref="PromptTokens"/> by <see cref="NewTokens"/> tokens, greedily or by seeded sampling.</summary>
public sealed record GenerationInput(long[] PromptTokens, int NewTokens, Sampling Sampling) : InferenceInput;

/// <summary>Temperature 0 means greedy (argmax, lowest id on ties); otherwise softmax(logits / temperature) sampled from a stream seeded by <see cref="Seed"/>.</summary>
public sealed record Sampling(float Temperature, ulong Seed)
{
    public static readonly Sampling Greedy = new(0f, 0UL);
    public bool IsGreedy => Temperature == 0f;
}
