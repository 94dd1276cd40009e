using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Xunit;

namespace RagAssistant.Testing.Conventions;

/// <summary>
/// The end-to-end convention: a test that starts a real process, loads a real model, starts a real database or browser
/// or talks to a scripted model server over loopback carries <c>[Trait("Category", "EndToEnd")]</c>, on its class or on
/// the test method, so that <c>dotnet test --filter "Category!=EndToEnd"</c> runs the fast tests alone.
/// </summary>
/// <remarks>
/// <see cref="AssertMarked"/> finds the tests that break it: it reads the IL of every test method (its async state
/// machine, lambdas and the helpers of its own class included) and reports those that reach one of the given
/// infrastructure types without the trait. Models loaded through DI are not seen; mark those by hand.
/// </remarks>
public static class EndToEndTrait
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Category";

    /// <summary>The trait's value.</summary>
    public const string Value = "EndToEnd";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>
    /// Fails, naming each test ("Class.Method"), when a test of <paramref name="tests"/> reaches one of
    /// <paramref name="infrastructure"/> (or a type nested in one) without the end-to-end trait on the method or its class.
    /// </summary>
    public static void AssertMarked(Assembly tests, params Type[] infrastructure)
    {
        var unmarked = UnmarkedUsers(tests, infrastructure);
        if (unmarked.Count > 0)
        {
            Assert.Fail($"These tests reach {string.Join(", ", infrastructure.Select(t => t.Name))} without [Trait(\"{Name}\", \"{Value}\")] "
                + $"on the test or its class, so the fast command (--filter \"{Name}!={Value}\") would run them: {string.Join(", ", unmarked)}.");
        }
    }

    private static List<string> UnmarkedUsers(Assembly tests, Type[] infrastructure)
    {
        var unmarked = new List<string>();
        foreach (var testClass in tests.GetTypes().Where(type => type.IsClass && !IsCompilerGenerated(type)))
        {
            var marked = HasTrait(testClass.GetCustomAttributesData());
            foreach (var test in testClass.GetMethods(Declared).Where(IsTest))
            {
                if (!marked && !HasTrait(test.GetCustomAttributesData()) && Reaches(test, testClass, infrastructure, []))
                {
                    unmarked.Add($"{testClass.Name}.{test.Name}");
                }
            }
        }

        return unmarked;
    }

    private static bool IsTest(MethodInfo method) =>
        method.GetCustomAttributesData().Any(a => a.AttributeType.FullName is "Xunit.FactAttribute" or "Xunit.TheoryAttribute");

    private static bool HasTrait(IEnumerable<CustomAttributeData> attributes) =>
        attributes.Any(a => a.AttributeType.FullName == "Xunit.TraitAttribute"
            && a.ConstructorArguments is [{ Value: Name }, { Value: Value }]);

    private static bool IsCompilerGenerated(Type type) => type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false);

    // Follows calls into the class's own members (and its compiler-generated nested types) until one reaches the
    // infrastructure. Constructors are followed too: a class fixture reaches the test through them.
    private static bool Reaches(MethodBase method, Type testClass, Type[] infrastructure, HashSet<MethodBase> seen)
    {
        if (!seen.Add(method))
        {
            return false;
        }

        var bodies = new List<MethodBase> { method };
        if (method.GetCustomAttribute<StateMachineAttribute>() is { } stateMachine)
        {
            bodies.AddRange(stateMachine.StateMachineType.GetMethods(Declared));
        }

        if (method.DeclaringType == testClass)
        {
            bodies.AddRange(testClass.GetConstructors(Declared));
        }

        foreach (var body in bodies)
        {
            foreach (var callee in Callees(body))
            {
                if (callee.DeclaringType is not { } owner)
                {
                    continue;
                }

                if (infrastructure.Any(type => IsOrIsNestedIn(owner, type)) || callee.GetParameters().Any(p => infrastructure.Contains(p.ParameterType)))
                {
                    return true;
                }

                if (IsOrIsNestedIn(owner, testClass) && Reaches(callee, testClass, infrastructure, seen))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsOrIsNestedIn(Type type, Type outer)
    {
        for (Type? t = type; t is not null; t = t.DeclaringType)
        {
            if (t == outer || (t.IsGenericType && t.GetGenericTypeDefinition() == outer))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        for (var i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? unchecked((short)(0xFE00 | il[i + 1])) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            if (!OpCodesByValue.TryGetValue(value, out var code))
            {
                yield break;
            }

            if (code.OperandType == OperandType.InlineMethod && Resolve(method, BitConverter.ToInt32(il, i)) is { } callee)
            {
                yield return callee;
            }

            i += OperandSize(code, il, i);
        }
    }

    private static MethodBase? Resolve(MethodBase method, int token)
    {
        try
        {
            var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            return method.Module.ResolveMethod(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static int OperandSize(OpCode code, byte[] il, int at) => code.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };
}
