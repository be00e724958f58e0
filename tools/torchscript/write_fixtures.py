"""Writes the TorchScript fixtures of Zone.Inference.Tests with Debian's PyTorch (python3-torch 1.13.1).

Run with Debian's interpreter (the pyenv python3 on PATH has no torch):
    /usr/bin/python3 tools/torchscript/write_fixtures.py tests/Zone.Inference.Tests/Fixtures

Writes two modules, their PyTorch outputs for fixed inputs (reference.json), and a corrupt file.
"""
import json
import os
import sys

import torch


class SmallMlp(torch.nn.Module):
    """float32[8] -> float32[3]; scripted, with data-dependent control flow."""

    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(8, 16)
        self.out = torch.nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.hidden(x))
        if bool(h.sum() > 1e9):  # never taken: exercises scripted control flow
            h = h * 0.0
        return self.out(h)


class TinyConv(torch.nn.Module):
    """float32[1, 6, 6] -> float32[4]; traced."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.fc = torch.nn.Linear(2 * 4 * 4, 4)

    def forward(self, x):
        return self.fc(torch.tanh(self.conv(x)).flatten(1))


def main(directory):
    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(20261124)
    mlp = SmallMlp().eval()
    conv = TinyConv().eval()
    mlp_inputs = torch.randn(5, 8)
    conv_inputs = torch.randn(5, 1, 6, 6)
    scripted = torch.jit.script(mlp)
    traced = torch.jit.trace(conv, conv_inputs)
    scripted.save(os.path.join(directory, "small_mlp.pt"))
    traced.save(os.path.join(directory, "tiny_conv.pt"))
    with torch.no_grad():
        reference = {
            "torch_version": torch.__version__,
            "small_mlp": {"input_shape": [8], "output_shape": [3],
                          "inputs": mlp_inputs.tolist(), "outputs": scripted(mlp_inputs).tolist()},
            "tiny_conv": {"input_shape": [1, 6, 6], "output_shape": [4],
                          "inputs": conv_inputs.reshape(5, -1).tolist(), "outputs": traced(conv_inputs).tolist()},
        }
    with open(os.path.join(directory, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
    with open(os.path.join(directory, "small_mlp.pt"), "rb") as f:
        head = f.read(300)
    with open(os.path.join(directory, "corrupt.pt"), "wb") as f:
        f.write(head)  # a truncated zip archive


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/Zone.Inference.Tests/Fixtures")
