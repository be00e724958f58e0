namespace Zone.Actors.Idempotency;

/// <summary>
/// The first answers to the most recent references, at most a given number, forgotten oldest first in two generations of
/// half that each: when the current one fills it becomes the previous one and the old previous one is dropped whole
/// (O(1) per reference, no second structure to keep in order).
/// A key is a kind byte, a scope (an account id, or empty) and a reference. Keys are copied into character chunks per
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
        Add(hash, kind, scope, reference, value);
        return true;
    }

    /// <summary>
    /// Remembers the answer for a key the caller knows is not remembered, without looking: the look is most of what a
    /// window costs (a miss in both generations' slots, which the key has long left the cache for). Were the key there
    /// after all, both answers would be kept and a lookup would find one of them.
    /// </summary>
    public void AddAbsent(byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, TValue value) =>
        Add(Hash(kind, scope, reference), kind, scope, reference, value);

    private void Add(int hash, byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, TValue value)
    {
        _current.Add(hash, kind, scope, reference, value);
        if (_current.Count < _generationCapacity) return;
        // The dropped generation keeps its chunks and slots for the one that takes its place.
        (_previous, _current) = (_current, _previous);
        _current.Clear();
    }

    /// <summary>
    /// Every entry, older first. Adding them in this order to a window of the same capacity rebuilds the same generations
    /// (the previous generation is always empty or exactly full), which is how snapshots restore it.
    /// </summary>
    public IEnumerable<(byte Kind, string Scope, string Reference, TValue Value)> Entries() => _previous.Entries().Concat(_current.Entries());

    // Per-process randomized string hashing is fine: the tables live in memory only; snapshots store the keys themselves.
    private static int Hash(byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference) =>
        HashCode.Combine(kind, string.GetHashCode(scope), string.GetHashCode(reference));

    /// <summary>
    /// An open-addressing hash table over struct entries, which are kept with their keys' characters in fixed-size chunks.
    /// Each slot holds an entry's hash beside its index, and the slots are at most half full, so a miss (every new
    /// reference asks both generations first) usually reads one cache line of slots and no entry at all. Measured on one
    /// ledger partition deciding reserves against a 262,144-entry window (fastest of six rounds of two million): 383-430 ns
    /// a decision with chained buckets, 271-321 ns with these slots; no change with a 4,096-entry window, whose tables stay
    /// in cache. Chunks rather than one array per kind that doubles: a filling window then never copies what it holds, and
    /// its memory comes in small blocks the collector recycles instead of ever larger fresh arrays whose pages the kernel
    /// must fault in and zero (a profile of the ledger bench had 11 % of its samples zeroing pages, half of them under
    /// the settled windows' growth). Only the slots double. Entries are never removed one by one (a generation is dropped
    /// whole and its chunks reused), so linear probing needs no tombstones.
    /// </summary>
    private sealed class Generation
    {
        private const int EntriesPerChunk = 1024; // 40 KB of entries: below the large-object threshold
        private const int CharsPerChunk = 16 * 1024; // 32 KB

        private struct Entry
        {
            public int Hash, CharChunk, KeyStart, ScopeLength, ReferenceLength;
            public byte Kind;
            public TValue Value;
        }

        private struct Slot
        {
            public int Hash, EntryPlusOne; // EntryPlusOne = 0: empty
        }

        private readonly List<Entry[]> _entryChunks = [];
        private readonly List<char[]> _charChunks = [];
        private Slot[] _slots = new Slot[32];
        // A blocked Bloom filter over the entries' hashes, 4 bits per slot (at least 8 per entry): two bits in one word per
        // key. Most lookups are of new references, which miss; the filter answers most of those from 1/16 of the slots'
        // memory instead of a slot read that is a cache miss in a large window (ledger bench, memory phase, three
        // interleaved pairs: 4.5-4.7 µs of CPU per job against 4.7-5.2, 415k-433k jobs/s against 372k-422k).
        private ulong[] _filter = new ulong[2];
        private int _charChunk, _charCount; // the chunk being filled, and how much of it is

        public int Count { get; private set; }

        public bool TryGet(int hash, byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, out TValue value)
        {
            if (!MayHold(hash))
            {
                value = default;
                return false;
            }
            var mask = _slots.Length - 1;
            for (var i = hash & mask; ; i = (i + 1) & mask)
            {
                var slot = _slots[i];
                if (slot.EntryPlusOne == 0) break;
                if (slot.Hash != hash) continue;
                ref var e = ref EntryAt(slot.EntryPlusOne - 1);
                if (e.Kind == kind && e.ScopeLength == scope.Length && e.ReferenceLength == reference.Length)
                {
                    var key = _charChunks[e.CharChunk].AsSpan(e.KeyStart, e.ScopeLength + e.ReferenceLength);
                    if (key[..scope.Length].SequenceEqual(scope) && key[scope.Length..].SequenceEqual(reference))
                    {
                        value = e.Value;
                        return true;
                    }
                }
            }
            value = default;
            return false;
        }

        public void Add(int hash, byte kind, ReadOnlySpan<char> scope, ReadOnlySpan<char> reference, TValue value)
        {
            if (2 * (Count + 1) > _slots.Length) GrowSlots();
            if (Count == _entryChunks.Count * EntriesPerChunk) _entryChunks.Add(new Entry[EntriesPerChunk]);
            var (chunk, start) = ReserveChars(scope.Length + reference.Length);
            scope.CopyTo(_charChunks[chunk].AsSpan(start));
            reference.CopyTo(_charChunks[chunk].AsSpan(start + scope.Length));
            EntryAt(Count) = new Entry
            {
                Hash = hash, CharChunk = chunk, KeyStart = start, ScopeLength = scope.Length, ReferenceLength = reference.Length, Kind = kind, Value = value,
            };
            Place(hash, Count);
            Count++;
        }

        public void Clear()
        {
            Array.Clear(_slots);
            Array.Clear(_filter);
            Count = 0;
            _charChunk = _charCount = 0;
        }

        public IEnumerable<(byte Kind, string Scope, string Reference, TValue Value)> Entries()
        {
            for (var i = 0; i < Count; i++)
            {
                var e = EntryAt(i);
                var chars = _charChunks[e.CharChunk];
                yield return (e.Kind, new string(chars, e.KeyStart, e.ScopeLength), new string(chars, e.KeyStart + e.ScopeLength, e.ReferenceLength), e.Value);
            }
        }

        private ref Entry EntryAt(int index) => ref _entryChunks[index / EntriesPerChunk][index % EntriesPerChunk];

        /// <summary>Room for a key in one chunk: the rest of the current one, else the next that holds it.</summary>
        private (int Chunk, int Start) ReserveChars(int length)
        {
            // Past chunks too full (or, reused, too short) for the key; a key longer than a chunk gets one of its own size.
            while (_charChunk == _charChunks.Count || _charCount + length > _charChunks[_charChunk].Length)
            {
                if (_charChunk == _charChunks.Count) _charChunks.Add(new char[Math.Max(CharsPerChunk, length)]);
                else (_charChunk, _charCount) = (_charChunk + 1, 0);
            }
            var start = _charCount;
            _charCount += length;
            return (_charChunk, start);
        }

        /// <summary>The first free slot from the hash's home (the slots are at most half full, so there is one).</summary>
        private void Place(int hash, int entry)
        {
            var mask = _slots.Length - 1;
            var i = hash & mask;
            while (_slots[i].EntryPlusOne != 0) i = (i + 1) & mask;
            _slots[i] = new Slot { Hash = hash, EntryPlusOne = entry + 1 };
            _filter[FilterWord(hash)] |= FilterBits(hash);
        }

        private void GrowSlots()
        {
            _slots = new Slot[_slots.Length * 2];
            _filter = new ulong[_slots.Length / 16];
            for (var i = 0; i < Count; i++) Place(EntryAt(i).Hash, i);
        }

        private bool MayHold(int hash)
        {
            var bits = FilterBits(hash);
            return (_filter[FilterWord(hash)] & bits) == bits;
        }

        // The word from the hash's high bits, the two bits from its low twelve: independent of the slot index (low bits).
        private int FilterWord(int hash) => (int)(((uint)hash * 0x9E3779B1u) >> 7) & (_filter.Length - 1);

        private static ulong FilterBits(int hash) => (1UL << (hash & 63)) | (1UL << ((hash >> 6) & 63));
    }
}
