# rempart-check profile: a Rempart server (update server, log collector),
# physical or virtual, without a local user session.
include common.profile

# A server VM on a trusted hypervisor may have no emulated IOMMU; a
# physical server must (use hardware.profile there).
advisory platform.iommu  virtual servers may lack an emulated IOMMU; required on bare metal
advisory cpu.vuln:*      virtual servers inherit the host CPU's mitigation state
