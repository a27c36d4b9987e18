/** The local stand-ins for AWS's invocation machinery: Lambda's SQS event source and API Gateway's HTTP API. */
export {
  startSqsEventSource,
  settleBatch,
  toSqsEvent,
  queueArnFromUrl,
  type SqsEventSource,
  type SqsEventSourceOptions,
  type SqsEventSourceStats,
  type SqsLambdaHandler,
  type BatchReport,
  type BatchSettlement,
} from './sqs-event-source.js';
export {
  startHttpApi,
  toHttpApiEvent,
  toHttpAnswer,
  isTextualContentType,
  HttpPortInUseError,
  API_GATEWAY_MAX_PAYLOAD_BYTES,
  API_GATEWAY_INTEGRATION_TIMEOUT_MS,
  type HttpApi,
  type HttpApiOptions,
  type HttpApiHandler,
  type HttpRoute,
  type HttpRequestReport,
} from './http-api.js';
export {
  createLambdaContext,
  invokeHandler,
  LambdaTimeoutError,
  LOCAL_ACCOUNT_ID,
  type LambdaHandler,
  type FunctionSettings,
  type RuntimeLogger,
} from './invoke.js';
