namespace Ukvm.Tests.EndToEnd;

/// <summary>Tests that boot a guest report themselves skipped, with the reason, where KVM is missing.</summary>
internal static class Kvm
{
    public const string Device = "/dev/kvm";

    public static void Require() =>
        Skip.IfNot(File.Exists(Device), $"{Device} is absent: this test boots a guest under KVM");
}
