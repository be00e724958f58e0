namespace Zone.Actors.Idempotency;

/// <summary>
/// The first answers to the most recent references, at most a given number, forgotten oldest first in two generations of
/// half that each: when the current one fills it becomes the previous one and the old previous one is dropped whole
/// (O(1) per reference, no second structure to keep in order).
/// A key is a kind byte, a scope (an account id, or empty) and a reference. Keys are copied into one character arena per
/// generation and entries are plain structs, so the window holds no object per reference and the garbage collector never
/// traces it: a ledger or settlement partition remembers hundreds of thousands of references, and as objects they made
/// the collector the bottleneck of the whole money path (measured: 2x the jobs/s with the windows out of the heap's graph).
/// </summary>
public sealed class ReferenceWindow<TValue> where TValue : unmanaged
{
    private readonly int _generationCapacity;
    private Generation _current = new();
    private Generation _previous = new();

    public ReferenceWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _generationCapacity = Math.Max(1, capacity / 2);
    }

    public int Count => _current.Count + _previous.Count;

    public bool TryGet(byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, out TValue value)
    {
        var hash = Hash(kind, scope, reference);
        return _current.TryGet(hash, kind, scope, reference, out value) || _previous.TryGet(hash, kind, scope, reference, out value);
    }

    /// <summary>Remembers the answer unless the key is already remembered: the first answer stays.</summary>
    public bool TryAdd(byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, TValue value)
    {
        var hash = Hash(kind, scope, reference);
        if (_current.TryGet(hash, kind, scope, reference, out _) || _previous.TryGet(hash, kind, scope, reference, out _)) return false;
        _current.Add(hash, kind, scope, reference, value);
        if (_current.Count >= _generationCapacity)
        {
            (_previous, _current) = (_current, _previous);
            _current.Clear();
            // The new generation will hold as much as the one that just filled: take its size at once rather than
            // doubling up to it (large arrays, each step garbage on the large-object heap).
            _current.ReserveLike(_previous);
        }
        return true;
    }

    /// <summary>
    /// Every entry, older first. Adding them in this order to a window of the same capacity rebuilds the same generations
    /// (the previous generation is always empty or exactly full), which is how snapshots restore it.
    /// </summary>
    public IEnumerable<(byte Kind, string Scope, string Reference, TValue Value)> Entries() => _previous.Entries().Concat(_current.Entries());

    // Per-process randomized string hashing is fine: the tables live in memory only; snapshots store the keys themselves.
    private static int Hash(byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference) =>
        HashCode.Combine(kind, string.GetHashCode(scope), string.GetHashCode(reference));

    /// <summary>A chained hash table over struct entries and one character arena; it grows by doubling and is reused after <see cref="Clear"/>.</summary>
    private sealed class Generation
    {
        private struct Entry
        {
            public int Hash, Next, KeyStart, ScopeLength, ReferenceLength;
            public byte Kind;
            public TValue Value;
        }

        private int[] _buckets = new int[16]; // 1 + index of the chain's first entry; 0 = empty
        private Entry[] _entries = new Entry[16];
        private char[] _chars = new char[512];
        private int _charCount;

        public int Count { get; private set; }

        public bool TryGet(int hash, byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, out TValue value)
        {
            for (var i = _buckets[hash & (_buckets.Length - 1)] - 1; i >= 0; i = _entries[i].Next)
            {
                ref var e = ref _entries[i];
                if (e.Hash == hash && e.Kind == kind && e.ScopeLength == scope.Length && e.ReferenceLength == reference.Length &&
                    _chars.AsSpan(e.KeyStart, scope.Length).SequenceEqual(scope) &&
                    _chars.AsSpan(e.KeyStart + scope.Length, reference.Length).SequenceEqual(reference))
                {
                    value = e.Value;
                    return true;
                }
            }
            value = default;
            return false;
        }

        public void Add(int hash, byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, TValue value)
        {
            if (Count == _entries.Length) Grow();
            var length = scope.Length + reference.Length;
            if (_charCount + length > _chars.Length) Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _charCount + length));
            scope.CopyTo(_chars.AsSpan(_charCount));
            reference.CopyTo(_chars.AsSpan(_charCount + scope.Length));
            ref var bucket = ref _buckets[hash & (_buckets.Length - 1)];
            _entries[Count] = new Entry
            {
                Hash = hash, Next = bucket - 1, KeyStart = _charCount, ScopeLength = scope.Length, ReferenceLength = reference.Length, Kind = kind, Value = value,
            };
            bucket = ++Count;
            _charCount += length;
        }

        public void Clear()
        {
            Array.Clear(_buckets);
            Count = 0;
            _charCount = 0;
        }

        /// <summary>Gives an empty generation the table and arena sizes of <paramref name="other"/>.</summary>
        public void ReserveLike(Generation other)
        {
            if (Count != 0) throw new InvalidOperationException("only an empty generation is resized");
            if (_entries.Length < other._entries.Length)
            {
                _entries = new Entry[other._entries.Length];
                _buckets = new int[other._buckets.Length];
            }
            if (_chars.Length < other._chars.Length) _chars = new char[other._chars.Length];
        }

        public IEnumerable<(byte Kind, string Scope, string Reference, TValue Value)> Entries()
        {
            for (var i = 0; i < Count; i++)
            {
                var e = _entries[i];
                yield return (e.Kind, new string(_chars, e.KeyStart, e.ScopeLength), new string(_chars, e.KeyStart + e.ScopeLength, e.ReferenceLength), e.Value);
            }
        }

        private void Grow()
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            _buckets = new int[_entries.Length];
            for (var i = 0; i < Count; i++)
            {
                ref var bucket = ref _buckets[_entries[i].Hash & (_buckets.Length - 1)];
                _entries[i].Next = bucket - 1;
                bucket = i + 1;
            }
        }
    }
}
