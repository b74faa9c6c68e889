import KerasCheckpoint
import KerasLayers
import ReplayEngine

/// The checkpoint's model as an engine graph (`ModelAssembler`), with failures naming the file.
struct GraphAssembler {
    let checkpoint: KerasCheckpoint
    let model: ModelDescription
    let catalog: KerasLayerCatalog

    func assemble() throws -> ModelAssembler.Assembled {
        do {
            return try ModelAssembler(checkpoint: checkpoint, model: model, catalog: catalog).assemble()
        } catch let error as ModelError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        } catch let error as LayerError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        } catch let error as EngineError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        } catch let error as CheckpointError {
            throw ReplayError(file: error.file, message: error.message)
        }
    }
}
