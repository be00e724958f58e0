using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Zone.Actors.Money;
using Zone.Actors.Serialization;

namespace Zone.Actors.Tests.Serialization;

/// <summary>
/// Builds an instance of any Zone message type by reflection, giving every constructor argument a distinct,
/// non-default value, so a codec that drops or swaps a field fails the round trip.
/// </summary>
internal sealed class SampleMessages(IReadOnlyList<Type> zoneMessageTypes)
{
    private int _counter;

    public object Build(Type type, int depth = 0)
    {
        var n = ++_counter;
        if (depth > 8) throw new InvalidOperationException($"{type} nests too deeply to sample");
        if (type == typeof(string)) return $"sample-{n}";
        if (type == typeof(long)) return 1_000_000_007L * n;
        if (type == typeof(ulong)) return 1_000_000_007UL * (ulong)n;
        if (type == typeof(int)) return 1000 + n;
        if (type == typeof(short)) return (short)(100 + n);
        if (type == typeof(byte)) return (byte)(10 + n);
        if (type == typeof(bool)) return n % 2 == 1;
        if (type == typeof(double)) return 0.5 + n;
        if (type == typeof(float)) return 0.25f + n;
        if (type == typeof(Opg)) return new Opg(123_456_789L * n);
        if (type == typeof(Guid)) return new Guid(n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        if (type == typeof(TimeSpan)) return TimeSpan.FromMilliseconds(1500 + n);
        if (type == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 11, 24, 12, 0, n % 60, TimeSpan.Zero);
        if (type == typeof(DateTime)) return new DateTime(2026, 11, 24, 12, 0, n % 60, DateTimeKind.Utc);
        if (type == typeof(byte[])) return new byte[] { 1, (byte)n, 3, 250 };
        if (type.IsEnum) return LastEnumValue(type);
        if (Nullable.GetUnderlyingType(type) is { } inner) return Build(inner, depth + 1);
        if (type.IsGenericType) return BuildGeneric(type, depth);
        if (type.IsArray) return BuildArray(type.GetElementType()!, depth);
        if (type.IsAbstract || type.IsInterface) return Build(ConcreteFor(type), depth + 1);
        return BuildRecord(type, depth);
    }

    private object BuildGeneric(Type type, int depth)
    {
        var definition = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        if (definition == typeof(ImmutableArray<>))
        {
            var items = BuildArray(args[0], depth);
            return typeof(ImmutableArray).GetMethods()
                .Single(m => m.Name == nameof(ImmutableArray.Create) && m.GetParameters() is [{ ParameterType.IsArray: true }])
                .MakeGenericMethod(args[0]).Invoke(null, [items])!;
        }
        if (definition == typeof(ImmutableList<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(List<>) || definition == typeof(IReadOnlyCollection<>))
        {
            var items = BuildArray(args[0], depth);
            return typeof(ImmutableList).GetMethods()
                .Single(m => m.Name == nameof(ImmutableList.CreateRange))
                .MakeGenericMethod(args[0]).Invoke(null, [items])!;
        }
        if (definition == typeof(ImmutableDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(ImmutableSortedDictionary<,>))
        {
            var builderType = definition == typeof(ImmutableSortedDictionary<,>) ? typeof(ImmutableSortedDictionary) : typeof(ImmutableDictionary);
            var empty = builderType.GetMethods().Single(m => m.Name == "Create" && m.GetParameters().Length == 0).MakeGenericMethod(args).Invoke(null, null)!;
            var add = empty.GetType().GetMethod("Add")!;
            var result = add.Invoke(empty, [Build(args[0], depth + 1), Build(args[1], depth + 1)])!;
            return add.Invoke(result, [Build(args[0], depth + 1), Build(args[1], depth + 1)])!;
        }
        if (definition == typeof(ValueTuple<,>)) return Activator.CreateInstance(type, Build(args[0], depth + 1), Build(args[1], depth + 1))!;
        throw new InvalidOperationException($"SampleMessages cannot build {type}: extend it when a message uses a new kind of field");
    }

    private Array BuildArray(Type elementType, int depth)
    {
        var array = Array.CreateInstance(elementType, 2);
        for (var i = 0; i < array.Length; i++) array.SetValue(Build(elementType, depth + 1), i);
        return array;
    }

    private object BuildRecord(Type type, int depth)
    {
        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .Where(c => !c.GetParameters().Any(p => p.ParameterType == type))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault()
            ?? throw new InvalidOperationException($"{type} has no public constructor to sample");
        var arguments = constructor.GetParameters().Select(p => Build(p.ParameterType, depth + 1)).ToArray();
        return constructor.Invoke(arguments);
    }

    private Type ConcreteFor(Type abstraction) =>
        zoneMessageTypes.FirstOrDefault(abstraction.IsAssignableFrom)
        ?? throw new InvalidOperationException($"no concrete Zone message type implements {abstraction}");

    private static object LastEnumValue(Type type)
    {
        var values = Enum.GetValues(type);
        return values.GetValue(values.Length - 1)!;
    }

    /// <summary>Structural equality through public properties and sequences (records holding ImmutableArray compare by reference otherwise).</summary>
    public static bool DeepEqual(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a.GetType() != b.GetType()) return false;
        var type = a.GetType();
        if (type.IsPrimitive || type.IsEnum || a is string or decimal or Opg or Guid or TimeSpan or DateTime or DateTimeOffset) return a.Equals(b);
        if (a is IEnumerable left && b is IEnumerable right)
        {
            var l = left.Cast<object?>().ToList();
            var r = right.Cast<object?>().ToList();
            return l.Count == r.Count && l.Zip(r).All(pair => DeepEqual(pair.Item1, pair.Item2));
        }
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .All(p => DeepEqual(p.GetValue(a), p.GetValue(b)));
    }
}
