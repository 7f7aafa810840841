#include "bus/BusErrors.h"

#include "bus/BusText.h"

namespace sup::bus {

const char* errorNameOf(ControlError::Kind kind) {
    switch (kind) {
        case ControlError::Kind::NoSuchProcess:
            return errors::kNoSuchProcess;
        case ControlError::Kind::AlreadyRunning:
            return errors::kAlreadyRunning;
        case ControlError::Kind::NotRunning:
            return errors::kNotRunning;
        case ControlError::Kind::InvalidConfig:
            return errors::kInvalidConfig;
        case ControlError::Kind::InvalidArgument:
            return errors::kInvalidArgument;
        case ControlError::Kind::Failed:
            return errors::kFailed;
    }
    return errors::kFailed;
}

sdbus::Error toBusError(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const sdbus::Error& e) {
        return sdbus::Error(e.getName(), busText(e.getMessage()));
    } catch (const ControlError& e) {
        return sdbus::Error(errorNameOf(e.kind), busText(e.what()));
    } catch (const std::exception& e) {
        return sdbus::Error(errors::kFailed, busText(e.what()));
    } catch (...) {
        return sdbus::Error(errors::kFailed, "unknown error");
    }
}

}  // namespace sup::bus
