# rempart-check profile: the QEMU q35 virtual machine (OVMF Secure Boot with
# our keys, swtpm TPM 2.0, software or KVM CPU).
include common.profile

# q35 has no IOMMU unless QEMU is given -device intel-iommu: the guest
# cannot isolate DMA, and the hypervisor is trusted for it anyway.
na       platform.iommu  QEMU q35 without an emulated IOMMU; DMA isolation is the hypervisor's
# SMEP/SMAP exist only if the emulated CPU model has them (-cpu max or host).
advisory cpu.smep   depends on the QEMU CPU model (-cpu max/host has it)
advisory cpu.smap   depends on the QEMU CPU model (-cpu max/host has it)
# The guest sees the host CPU's vulnerabilities and microcode: the host's
# problem, reported but not fatal here.
advisory cpu.vuln:*  mitigation state depends on the host CPU and microcode
