#!/usr/bin/python3
"""A pod of unikernels through containerd's CRI plugin, as kubelet would drive it (crictl is not
packaged in Debian 12): one line per step, "PASS name" or "FAIL name (why)"; exit 0 only when
every step passed. Run inside the network namespace where containerd and its CNI bridge live, so
that the pod's IP is reachable from here.

usage: cri_pod.py SOCKET HANDLER WORKDIR HELLO_IMAGE SERVER_IMAGE http|ping

WORKDIR holds the Python modules generated from cri.proto (cri_pb2*.py) and the pod's logs.
"""
import os
import subprocess
import sys
import time
import urllib.request

sock, handler, workdir, hello_image, server_image, check = sys.argv[1:7]
sys.path.insert(0, workdir)
import grpc  # noqa: E402
import cri_pb2 as pb  # noqa: E402
import cri_pb2_grpc as rpc  # noqa: E402

T = 30
rt = rpc.RuntimeServiceStub(grpc.insecure_channel("unix://" + sock))
failed = 0


def result(name, ok, why=""):
    global failed
    if ok:
        print("PASS " + name, flush=True)
    else:
        failed += 1
        print("FAIL %s (%s)" % (name, why), flush=True)
    return ok


def wait_state(cid, want, seconds):
    s = None
    deadline = time.time() + seconds
    while time.time() < deadline:
        s = rt.ContainerStatus(pb.ContainerStatusRequest(container_id=cid), timeout=T).status
        if s.state == want:
            return s
        time.sleep(0.2)
    return s


def container(pod, pcfg, name, image, args, annotations=None):
    cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=name), image=pb.ImageSpec(image=image),
                             args=args, log_path=name + ".log", annotations=annotations or {})
    cid = rt.CreateContainer(pb.CreateContainerRequest(pod_sandbox_id=pod, config=cfg, sandbox_config=pcfg),
                             timeout=60).container_id
    rt.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
    return cid


def log_of(logdir, name):
    try:
        with open(os.path.join(logdir, name + ".log")) as f:
            return f.read()
    except OSError as e:
        return "(no log: %s)" % e


def main():
    v = rt.Version(pb.VersionRequest(version="v1"), timeout=T)
    result("cri-version", v.runtime_name == "containerd", "%s %s" % (v.runtime_name, v.runtime_version))

    uid = "ukvm-%d" % os.getpid()
    logdir = os.path.join(workdir, "podlogs", uid)
    os.makedirs(logdir, exist_ok=True)
    ns = pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD)
    pcfg = pb.PodSandboxConfig(metadata=pb.PodSandboxMetadata(name="unikernels", uid=uid, namespace="default"),
                               hostname="unikernels", log_directory=logdir,
                               linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns)))
    pod = None
    try:
        pod = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=pcfg, runtime_handler=handler), timeout=90).pod_sandbox_id
        result("cri-pod-run", True)
    except grpc.RpcError as e:
        result("cri-pod-run", False, e.details())
        return
    try:
        st = rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=pod), timeout=T).status
        ip = st.network.ip
        result("cri-pod-ip", st.state == pb.SANDBOX_READY and ip != "", "state %d ip '%s'" % (st.state, ip))

        # A unikernel that runs to completion: its console is the container's log, its status the exit code.
        cid = container(pod, pcfg, "hello", hello_image, ["Hello", "CRI"])
        s = wait_state(cid, pb.CONTAINER_EXITED, 20)
        log = log_of(logdir, "hello")
        result("cri-hello-exit", s.state == pb.CONTAINER_EXITED and s.exit_code == 0
               and "Hello, World" in log and "Command line is: 'Hello CRI'" in log,
               "state %d exit %d log %r" % (s.state, s.exit_code, log[-300:]))
        rt.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=T)

        # A server that takes over the pod's IP.
        cid = container(pod, pcfg, "server", server_image, [])
        s = wait_state(cid, pb.CONTAINER_RUNNING, 20)
        result("cri-server-running", s.state == pb.CONTAINER_RUNNING, "state %d" % s.state)
        ok, why = False, ""
        deadline = time.time() + 20
        while time.time() < deadline and not ok:
            try:
                if check == "http":
                    with urllib.request.urlopen("http://%s/" % ip, timeout=3) as r:
                        body = r.read()
                        ok, why = r.status == 200, "status %d, %d bytes" % (r.status, len(body))
                else:
                    p = subprocess.run(["ping", "-c", "3", "-W", "2", ip], capture_output=True, text=True)
                    ok, why = p.returncode == 0, p.stdout.strip().split("\n")[-1]
            except OSError as e:
                why = str(e)
                time.sleep(0.5)
        result("cri-server-" + check + "-on-pod-ip", ok, "%s: %s; log %r" % (ip, why, log_of(logdir, "server")[-400:]))
        rt.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=5), timeout=T)
        s = wait_state(cid, pb.CONTAINER_EXITED, 10)
        result("cri-server-stop", s.state == pb.CONTAINER_EXITED, "state %d exit %d" % (s.state, s.exit_code))
        rt.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=T)
        result("cri-server-remove", True)
    except grpc.RpcError as e:
        result("cri-scenario", False, e.details())
    finally:
        try:
            rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=60)
            rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)
            result("cri-pod-remove", True)
        except grpc.RpcError as e:
            result("cri-pod-remove", False, e.details())


main()
sys.exit(1 if failed else 0)
