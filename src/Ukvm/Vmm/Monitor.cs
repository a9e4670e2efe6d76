using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Ukvm.Abi;
using Ukvm.Arch;
using Ukvm.Cli;
using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Hypercalls;
using Ukvm.Kvm;
using Ukvm.Manifest;
using Ukvm.Interop;
using Ukvm.Modules;
using Ukvm.Security;

namespace Ukvm.Vmm;

/// <summary>One unikernel's life: options, image, memory, devices, vCPU, run.</summary>
internal static class Monitor
{
    public static int Run(IReadOnlyList<string> args)
    {
        var arch = Backends.Current;
        var modules = ModuleRegistry.Create();
        var options = Options.Parse(args, modules);
        if (options.Help) { Log.Out(Help.Text(modules)); return 0; }
        if (options.Version) { Log.Out(Help.VersionText(arch, modules)); return 0; }

        ulong memSize = MemorySize(options.MemoryMb, arch);
        using var file = ImageFile.Open(options.Kernel!);
        var image = ElfImage.Parse(file.Bytes, arch.ElfMachine);
        var manifest = AppManifest.Parse(image.ManifestNote);
        byte[] cmdline = BootInfo.Cmdline(RawArgs.Guest(args, options.GuestArgsIndex));

        using var kvm = KvmSystem.Open();
        using var vm = kvm.CreateVm();
        using var memory = GuestMemory.Allocate(memSize);
        ulong kernelEnd = ElfLoader.Load(image, file.Bytes, memory, HvtAbi.GuestMinBase);
        file.Dispose(); // the image is in guest memory now: its copy would stay private dirty memory
        arch.SetupMemory(memory, new PagePermissions(image.Segments));

        vm.MapMemory(memory);
        using var vcpu = vm.CreateVcpu(0);
        // Disposed before the vCPU and memory: it stops what modules started (the net ring's thread).
        using var context = new MonitorContext
        {
            Memory = memory, Manifest = manifest, Hypercalls = new HypercallTable(),
            Syscalls = RunLoopPolicy.Base(vcpu.Handle.Fd), Vm = vm, Arch = arch,
        };
        foreach (var m in modules)
            m.Setup(context);
        foreach (var device in manifest.Devices)
            if (!device.Attached)
                throw new MonitorException(
                    $"device '{device.Name}' ({device.TypeName}) declared in the manifest is not attached: " +
                    ModuleRegistry.AttachHint(device));

        ulong cycleFreq = arch.SetupVcpu(vm, vcpu, memory, image.Entry);
        BootInfo.Write(memory, arch, kernelEnd, cycleFreq, manifest, cmdline, context.HostFeatures, context.NetRing);
        // The low area is read-only through the guest's page tables; the monitor refuses to write
        // there too. Not a read-only slot: the CPU sets accessed bits in the page tables there.
        memory.MarkReadOnly(0, arch.LowEnd, forGuest: false);

        // From here on the monitor only runs the guest: confine it to what that needs.
        Seccomp.Install(context.Syscalls);
        if (RunLoopPolicy.SelfTest)
            Libc.getppid();

        return RunLoop.Run(vcpu, arch, context.Hypercalls, memory.Size);
    }

    /// <summary>--mem in MB to bytes: rounded down to the architecture's granule, within its maximum.</summary>
    public static ulong MemorySize(ulong mb, IArchBackend arch)
    {
        if (mb > arch.MaxMemory >> 20)
            throw new MonitorException($"guest memory of {mb} MB exceeds the maximum of {arch.MaxMemory >> 20} MB");
        ulong bytes = mb << 20;
        ulong rounded = bytes / arch.MemoryGranule * arch.MemoryGranule;
        if (rounded == 0)
            throw new MonitorException($"guest memory of {mb} MB is too small: at least {arch.MemoryGranule >> 20} MB");
        if (rounded != bytes)
            Log.Warning($"adjusting guest memory to {rounded >> 20} MB (a multiple of {arch.MemoryGranule >> 20} MB)");
        return rounded;
    }
}
