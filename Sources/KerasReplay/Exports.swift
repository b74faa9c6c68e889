// `import KerasReplay` is all a user needs: tensors and layers (ReplayEngine) and the checkpoint
// reader's types (KerasCheckpoint) come with it.
@_exported import KerasCheckpoint
@_exported import KerasLayers
@_exported import ReplayEngine
// The limits on what a file may declare, which the loaders take.
@_exported import struct HDF5.ReadLimits
