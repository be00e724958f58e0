namespace Zone.Host.Doctor;

/// <summary>One line of `zone doctor`: what was checked, what was found, and on failure how to fix it.</summary>
public sealed record DoctorCheck(string Name, bool Ok, string Detail, string? Fix = null)
{
    public static DoctorCheck Pass(string name, string detail) => new(name, true, detail);

    public static DoctorCheck Fail(string name, string detail, string fix) => new(name, false, detail, fix);
}
