#!/usr/bin/env python3
"""tap-offload.py TAP set|get: turn on the TCP offloads (checksum, TSO) that QEMU turns on for a
persistent tap, as its last user would leave them; or print whether TSO is on now ("tso 0|1",
ETHTOOL_GTSO). For the test that ukvm turns them off (NetDeviceTests)."""
import array, fcntl, os, socket, struct, sys

TUNSETIFF, TUNSETOFFLOAD = 0x400454ca, 0x400454d0
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
TUN_F_CSUM, TUN_F_TSO4 = 0x01, 0x02
SIOCETHTOOL, ETHTOOL_GTSO = 0x8946, 0x1e

tap, what = sys.argv[1], sys.argv[2]
if what == "set":
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", tap.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    fcntl.ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4)
    os.close(fd)
value = array.array("I", [ETHTOOL_GTSO, 0])
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, struct.pack("16sP16x", tap.encode(), value.buffer_info()[0]))
print("tso", value[1])
