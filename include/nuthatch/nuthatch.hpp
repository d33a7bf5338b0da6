#pragma once
/// nuthatch: cacheable big-data pipelines. The umbrella header of the C++ API.

#include "nuthatch/boxed.hpp"
#include "nuthatch/cache.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/config.hpp"
#include "nuthatch/engine.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/keys.hpp"
#include "nuthatch/memory.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/options.hpp"
#include "nuthatch/processor.hpp"
#include "nuthatch/prompt.hpp"
#include "nuthatch/storage.hpp"
#include "nuthatch/value.hpp"
#include "nuthatch/version.hpp"
#include "nuthatch/zarr.hpp"
