# rempart-check profile: a physical workstation. Every check is required:
# Secure Boot with our keys, a TPM 2.0, an IOMMU, NX/SMEP/SMAP/WP and the
# CPU vulnerability mitigations are hardware requirements of the design.
include common.profile
