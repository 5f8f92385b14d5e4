"""Serves a SunSpec register map on 127.0.0.1 with pymodbus (the live-device test).

Usage: python3 sunspec_server.py IMAGE.json PORT [BASE]
The map is built by scripts/sunspec_image.py from a device image (point values per model).
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
import json  # noqa: E402

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext  # noqa: E402
from pymodbus.server import StartTcpServer  # noqa: E402
from sunspec_image import build_registers  # noqa: E402


def main():
    image = json.loads(pathlib.Path(sys.argv[1]).read_text())
    port = int(sys.argv[2])
    base = int(sys.argv[3]) if len(sys.argv) > 3 else 40000
    regs = build_registers(image)
    block = ModbusSequentialDataBlock(base, regs)
    store = ModbusSlaveContext(hr=block, ir=block, zero_mode=True)
    context = ModbusServerContext(slaves={1: store}, single=False)
    StartTcpServer(context=context, address=("127.0.0.1", port))


if __name__ == "__main__":
    main()
